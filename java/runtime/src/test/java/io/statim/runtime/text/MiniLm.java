package io.statim.runtime.text;

import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.AdapterBinding;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture for the {@code minilm} model: a Triton-layout repository built from langchain4j's jar
 * (all-MiniLM-L6-v2's ONNX file and tokenizer.json), requests of texts, and vector arithmetic.
 */
final class MiniLm {
    /** The config that the server's default repository serves. */
    static final String SHIPPED_CONFIG = "/io/statim/runtime/text/minilm.config.pbtxt";
    /** langchain4j's copies of the model and its tokenizer. */
    static final String ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";
    static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
    static final int SIZE = 384;

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private MiniLm() {
    }

    /** The shipped minilm config text. */
    static String shippedConfig() {
        return new String(resource(SHIPPED_CONFIG), StandardCharsets.UTF_8);
    }

    /** The config text with a parameter's string value replaced. */
    static String withParameter(String config, String key, String value) {
        Pattern entry = Pattern.compile("(key: \"" + Pattern.quote(key) + "\" value: \\{ string_value: \")[^\"]*(\")");
        Matcher m = entry.matcher(config);
        if (!m.find()) {
            throw new IllegalArgumentException("no parameter " + key);
        }
        return m.replaceFirst("$1" + Matcher.quoteReplacement(value) + "$2");
    }

    /** Writes {@code <root>/minilm/config.pbtxt} and version 1 with model.onnx and tokenizer.json; loads it. */
    static ModelSource source(Path root, String config) {
        try {
            Path version = Files.createDirectories(root.resolve("minilm").resolve("1"));
            Files.writeString(root.resolve("minilm").resolve(ModelRepository.CONFIG_FILE), config);
            copy(ONNX_RESOURCE, version.resolve("model.onnx"));
            copy(TOKENIZER_RESOURCE, version.resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelRepository(root).load("minilm");
    }

    /** langchain4j's tokenizer.json, copied to {@code file}. */
    static Path tokenizer(Path file) throws IOException {
        copy(TOKENIZER_RESOURCE, file);
        return file;
    }

    /** A request for model {@code minilm} of shape [n,1]. */
    static InferenceRequest request(String id, List<String> texts, List<String> requestedOutputs) {
        return request(id, texts, requestedOutputs, null);
    }

    /** A request for model {@code minilm} of shape [n,1] run with a LoRA adapter (or none when null). */
    static InferenceRequest request(String id, List<String> texts, List<String> requestedOutputs, AdapterBinding adapter) {
        List<byte[]> elements = new ArrayList<>();
        for (String text : texts) {
            elements.add(text.getBytes(StandardCharsets.UTF_8));
        }
        MemorySegment data = MemorySegment.ofArray(new byte[(int) Tensor.serializedSize(elements)]);
        Tensor.writeBytesElements(elements, data);
        Tensor input = new Tensor("TEXT", DataType.BYTES, Shape.of(texts.size(), 1), data);
        return new InferenceRequest(id, "minilm", InferenceRequest.LATEST, List.of(input), requestedOutputs,
                texts.size(), System.nanoTime(), new ResponseListener() {
                    @Override
                    public void onResponse(InferenceResponse response) {
                        response.release();
                    }

                    @Override
                    public void onError(Status status) {
                    }
                }, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, adapter);
    }

    static InferenceRequest request(String id, List<String> texts) {
        return request(id, texts, List.of());
    }

    /** The rows of an FP32 [n, D] tensor. */
    static float[][] rows(Tensor tensor) {
        int n = (int) tensor.shape().dim(0);
        int d = (int) tensor.shape().dim(1);
        float[][] rows = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                rows[i][j] = tensor.data().get(FLOAT_LE, ((long) i * d + j) * Float.BYTES);
            }
        }
        return rows;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] v) {
        double squares = 0;
        for (float x : v) {
            squares += (double) x * x;
        }
        return Math.sqrt(squares);
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = stream(resource)) {
            Files.copy(in, target);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = stream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String name) {
        InputStream in = MiniLm.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("resource " + name + " is not on the test classpath");
        }
        return in;
    }
}
