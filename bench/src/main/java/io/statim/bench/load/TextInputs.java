package io.statim.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.client.Datatype;
import io.statim.client.InferRequest;
import io.statim.client.ModelMetadata;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests for a text model (a BYTES input, such as minilm's {@code TEXT}) from a JSON-lines file
 * whose objects carry a {@code "text"} and optionally a {@code "kind"} (the shared clinical texts have
 * {@code short} and {@code long}). Texts are never logged.
 */
public final class TextInputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextInputs() {
    }

    /**
     * The texts of the file, in order, of the given kind only when {@code kind} is not empty.
     *
     * @throws IllegalArgumentException naming the line that is not a JSON object with a "text", or when no text is left
     */
    public static List<String> read(Path file, String kind) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + " is not JSON", e);
                }
                if (node == null || !node.path("text").isTextual()) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + " has no \"text\" string");
                }
                if (kind.isEmpty() || kind.equals(node.path("kind").asText())) {
                    texts.add(node.get("text").asText());
                }
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(file + " has no text" + (kind.isEmpty() ? "" : " of kind '" + kind + "'"));
        }
        return texts;
    }

    /**
     * One request per group of texts: the model's first BYTES input gets its metadata shape with the
     * variable (batch) dimension set to {@code batchSize}, filled with consecutive texts.
     */
    static List<InferRequest> requests(ModelMetadata model, List<String> texts, int batchSize) {
        ModelMetadata.TensorMetadata input = model.inputs().stream().filter(t -> t.datatype() == Datatype.BYTES).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("model '" + model.name() + "' has no BYTES input for texts"));
        if (model.inputs().size() != 1) {
            throw new IllegalArgumentException("model '" + model.name() + "' has " + model.inputs().size()
                    + " inputs; texts feed models with one BYTES input");
        }
        long[] shape = RandomInputs.concreteShape(input.shape(), batchSize);
        int perRequest = (int) RandomInputs.elements(shape);
        List<InferRequest> out = new ArrayList<>();
        for (int start = 0; start + perRequest <= Math.max(texts.size(), perRequest); start += perRequest) {
            List<String> group = new ArrayList<>(perRequest);
            for (int i = 0; i < perRequest; i++) {
                group.add(texts.get((start + i) % texts.size()));
            }
            out.add(InferRequest.builder(model.name()).inputStrings(input.name(), shape, group).build());
        }
        return out;
    }
}
