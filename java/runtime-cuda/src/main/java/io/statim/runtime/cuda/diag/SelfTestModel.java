package io.statim.runtime.cuda.diag;

import io.statim.model.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny model of the GPU self-test and the GPU tests: Triton's {@code simple} (OUTPUT0 = INPUT0 +
 * INPUT1, OUTPUT1 = INPUT0 - INPUT1, INT32 {@code [batch, 16]}) configured for a GPU instance, so the
 * TensorRT backend builds and runs it in seconds.
 */
public final class SelfTestModel {
    /** The model's name (and folder). */
    public static final String NAME = "simple_gpu";
    /** Elements per row. */
    public static final int WIDTH = 16;
    /** The largest batch. */
    public static final int MAX_BATCH = 8;

    private SelfTestModel() {
    }

    /**
     * Writes {@code <repo>/simple_gpu/config.pbtxt} and {@code 1/model.onnx}; {@code parameters} are
     * extra {@code key: value} pairs for config.pbtxt (for example {@code tensorrt_cuda_graphs: true}).
     */
    public static Path write(Path repo, String... parameters) throws IOException {
        StringBuilder config = new StringBuilder()
                .append("max_batch_size: ").append(MAX_BATCH).append('\n')
                .append("input [ { name: \"INPUT0\" data_type: TYPE_INT32 dims: [ ").append(WIDTH).append(" ] },\n")
                .append("        { name: \"INPUT1\" data_type: TYPE_INT32 dims: [ ").append(WIDTH).append(" ] } ]\n")
                .append("output [ { name: \"OUTPUT0\" data_type: TYPE_INT32 dims: [ ").append(WIDTH).append(" ] },\n")
                .append("         { name: \"OUTPUT1\" data_type: TYPE_INT32 dims: [ ").append(WIDTH).append(" ] } ]\n")
                .append("instance_group [ { count: 1 kind: KIND_GPU } ]\n")
                .append("dynamic_batching { }\n");
        for (int i = 0; i + 1 < parameters.length; i += 2) {
            config.append("parameters { key: \"").append(parameters[i]).append("\" value: { string_value: \"").append(parameters[i + 1])
                    .append("\" } }\n");
        }
        Path dir = repo.resolve(NAME);
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(dir.resolve("config.pbtxt"), config);
        Files.write(dir.resolve("1").resolve("model.onnx"), TestModels.simple());
        return dir;
    }
}
