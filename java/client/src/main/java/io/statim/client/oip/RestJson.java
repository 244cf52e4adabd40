package io.statim.client.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.client.Datatype;
import io.statim.client.ModelMetadata;
import io.statim.client.ModelStatistics;
import io.statim.client.RepositoryModel;
import io.statim.client.ServerMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The small JSON bodies of the OIP REST API besides inference: server and model metadata, Triton's
 * statistics extension, the repository index, and error bodies. Read through Jackson's tree model (they
 * are small and not on the hot path). Thread-safe.
 */
final class RestJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RestJson() {
    }

    static JsonNode tree(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    /** The {@code "error"} of an error body, or the body as text when it is not OIP's JSON. */
    static String errorMessage(byte[] body) {
        try {
            JsonNode error = tree(body).get("error");
            if (error != null) {
                return error.asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall through to the text
        }
        return new String(body, StandardCharsets.UTF_8).strip();
    }

    static ServerMetadata serverMetadata(JsonNode n) {
        return new ServerMetadata(n.path("name").asText(), n.path("version").asText(), strings(n.path("extensions")));
    }

    static ModelMetadata modelMetadata(JsonNode n) {
        return new ModelMetadata(n.path("name").asText(), strings(n.path("versions")), n.path("platform").asText(),
                tensors(n.path("inputs")), tensors(n.path("outputs")));
    }

    static List<ModelStatistics> statistics(JsonNode n) {
        List<ModelStatistics> out = new ArrayList<>();
        for (JsonNode m : n.path("model_stats")) {
            JsonNode s = m.path("inference_stats");
            List<ModelStatistics.BatchStatistics> batches = new ArrayList<>();
            for (JsonNode b : m.path("batch_stats")) {
                batches.add(new ModelStatistics.BatchStatistics(b.path("batch_size").asLong(), duration(b.path("compute_input")),
                        duration(b.path("compute_infer")), duration(b.path("compute_output"))));
            }
            out.add(new ModelStatistics(m.path("name").asText(), m.path("version").asText(), m.path("last_inference").asLong(),
                    m.path("inference_count").asLong(), m.path("execution_count").asLong(), duration(s.path("success")),
                    duration(s.path("fail")), duration(s.path("queue")), duration(s.path("compute_input")),
                    duration(s.path("compute_infer")), duration(s.path("compute_output")), batches));
        }
        return out;
    }

    static List<RepositoryModel> index(JsonNode n) {
        List<RepositoryModel> out = new ArrayList<>();
        for (JsonNode m : n) {
            out.add(new RepositoryModel(m.path("name").asText(), m.path("version").asText(), m.path("state").asText(),
                    m.path("reason").asText()));
        }
        return out;
    }

    private static ModelStatistics.Duration duration(JsonNode n) {
        return new ModelStatistics.Duration(n.path("count").asLong(), n.path("ns").asLong());
    }

    private static List<ModelMetadata.TensorMetadata> tensors(JsonNode array) {
        List<ModelMetadata.TensorMetadata> out = new ArrayList<>();
        for (JsonNode t : array) {
            JsonNode dims = t.path("shape");
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).asLong();
            }
            out.add(new ModelMetadata.TensorMetadata(t.path("name").asText(), Datatype.of(t.path("datatype").asText()), shape));
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : array) {
            out.add(s.asText());
        }
        return out;
    }
}
