package io.statim.model.onnx;

import io.statim.core.tensor.DataType;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelRepository;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Small ONNX models with known results, and their Triton-layout model directories. Used by tests of
 * every module, by benchmarks, and by the server's built-in default repository, hence main code.
 *
 * <ul>
 *   <li>{@code simple}: Triton's example model. INT32 inputs {@code INPUT0}, {@code INPUT1} of
 *       shape {@code [-1,16]}; {@code OUTPUT0 = INPUT0 + INPUT1}, {@code OUTPUT1 = INPUT0 - INPUT1}.
 *       Config: {@code max_batch_size: 8}, dims {@code [16]}.</li>
 *   <li>{@code identity_<type>} (e.g. {@code identity_fp32}): one for every {@link DataType};
 *       {@code OUTPUT0 = INPUT0}, shape {@code [-1,-1]}. Config: {@code max_batch_size: 0}, dims
 *       {@code [-1,-1]}.</li>
 *   <li>{@code variable_cost}: {@code OUTPUT0 = INPUT0} (FP32 {@code [-1,16]}) computed by a loop
 *       that runs {@code max(REPEAT)} times (INT64 {@code [-1,1]}), each pass two matrix products
 *       through {@value #VARIABLE_COST_HIDDEN} hidden units, so a request chooses its own cost.
 *       Config: {@code max_batch_size: 8}.</li>
 * </ul>
 * Stateless; safe for any thread.
 */
public final class TestModels {
    /** The name of the {@code simple} model. */
    public static final String SIMPLE = "simple";
    /** The name of the {@code variable_cost} model. */
    public static final String VARIABLE_COST = "variable_cost";
    /** The hidden width of each loop pass of {@code variable_cost}. */
    public static final int VARIABLE_COST_HIDDEN = 256;

    private static final int WIDTH = 16;

    private TestModels() {
    }

    /** Triton's {@code simple} model: the sum and the difference of two INT32 {@code [-1,16]} inputs. */
    public static byte[] simple() {
        return new OnnxGraphBuilder(SIMPLE)
                .input("INPUT0", DataType.INT32, -1, WIDTH)
                .input("INPUT1", DataType.INT32, -1, WIDTH)
                .node("Add", List.of("INPUT0", "INPUT1"), List.of("OUTPUT0"))
                .node("Sub", List.of("INPUT0", "INPUT1"), List.of("OUTPUT1"))
                .output("OUTPUT0", DataType.INT32, -1, WIDTH)
                .output("OUTPUT1", DataType.INT32, -1, WIDTH)
                .toBytes();
    }

    /** {@code OUTPUT0 = Identity(INPUT0)}, both of the given type and shape {@code [-1,-1]}. */
    public static byte[] identity(DataType type) {
        return new OnnxGraphBuilder(identityName(type))
                .input("INPUT0", type, -1, -1)
                .node("Identity", List.of("INPUT0"), List.of("OUTPUT0"))
                .output("OUTPUT0", type, -1, -1)
                .toBytes();
    }

    /** {@code OUTPUT0 = INPUT0}, at a cost proportional to {@code max(REPEAT)}; see the class doc. */
    public static byte[] variableCost() {
        float[] up = new float[WIDTH * VARIABLE_COST_HIDDEN];
        float[] down = new float[VARIABLE_COST_HIDDEN * WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            up[i * VARIABLE_COST_HIDDEN + i] = 1f;
            down[i * WIDTH + i] = 1f;
        }
        var body = new OnnxGraphBuilder("pass")
                .input("iteration", DataType.INT64)
                .input("cond_in", DataType.BOOL)
                .input("y_in", DataType.FP32, -1, WIDTH)
                .initializer(OnnxGraphBuilder.floatTensor("up", new long[] {WIDTH, VARIABLE_COST_HIDDEN}, up))
                .initializer(OnnxGraphBuilder.floatTensor("down", new long[] {VARIABLE_COST_HIDDEN, WIDTH}, down))
                .node("Identity", List.of("cond_in"), List.of("cond_out"))
                .node("MatMul", List.of("y_in", "up"), List.of("hidden"))
                .node("MatMul", List.of("hidden", "down"), List.of("y_out"))
                .output("cond_out", DataType.BOOL)
                .output("y_out", DataType.FP32, -1, WIDTH)
                .graph();
        return new OnnxGraphBuilder(VARIABLE_COST)
                .input("INPUT0", DataType.FP32, -1, WIDTH)
                .input("REPEAT", DataType.INT64, -1, 1)
                .node("ReduceMax", List.of("REPEAT"), List.of("trips"), OnnxGraphBuilder.intAttribute("keepdims", 0))
                .node("Loop", List.of("trips", "", "INPUT0"), List.of("OUTPUT0"),
                        OnnxGraphBuilder.graphAttribute("body", body))
                .output("OUTPUT0", DataType.FP32, -1, WIDTH)
                .toBytes();
    }

    /** The model name of the identity model of a type: {@code identity_fp32}, {@code identity_bytes}... */
    public static String identityName(DataType type) {
        return "identity_" + type.name().toLowerCase(Locale.ROOT);
    }

    /** Writes {@code <repoRoot>/simple/config.pbtxt} and {@code <repoRoot>/simple/1/model.onnx}. */
    public static Path writeSimple(Path repoRoot) throws IOException {
        String config = header(SIMPLE, 8)
                + tensors("input", tensor("INPUT0", DataType.INT32, WIDTH), tensor("INPUT1", DataType.INT32, WIDTH))
                + tensors("output", tensor("OUTPUT0", DataType.INT32, WIDTH), tensor("OUTPUT1", DataType.INT32, WIDTH));
        return write(repoRoot, SIMPLE, config, simple());
    }

    /** Writes the identity model of a type (named by {@link #identityName}) in Triton layout. */
    public static Path writeIdentity(Path repoRoot, DataType type) throws IOException {
        String name = identityName(type);
        String config = header(name, 0)
                + tensors("input", tensor("INPUT0", type, -1, -1))
                + tensors("output", tensor("OUTPUT0", type, -1, -1));
        return write(repoRoot, name, config, identity(type));
    }

    /** Writes the {@code variable_cost} model in Triton layout. */
    public static Path writeVariableCost(Path repoRoot) throws IOException {
        String config = header(VARIABLE_COST, 8)
                + tensors("input", tensor("INPUT0", DataType.FP32, WIDTH), tensor("REPEAT", DataType.INT64, 1))
                + tensors("output", tensor("OUTPUT0", DataType.FP32, WIDTH));
        return write(repoRoot, VARIABLE_COST, config, variableCost());
    }

    private static String header(String name, int maxBatchSize) {
        return "name: \"" + name + "\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: " + maxBatchSize + "\n";
    }

    private static String tensors(String kind, String... entries) {
        return kind + " [\n" + String.join(",\n", entries) + "\n]\n";
    }

    private static String tensor(String name, DataType type, long... dims) {
        StringBuilder dimList = new StringBuilder();
        for (long d : dims) {
            dimList.append(dimList.isEmpty() ? "" : ", ").append(d);
        }
        return "  { name: \"" + name + "\" data_type: " + type.configName() + " dims: [ " + dimList + " ] }";
    }

    /** Writes {@code <root>/<name>/config.pbtxt} and {@code <root>/<name>/1/model.onnx}; returns the model dir. */
    private static Path write(Path root, String name, String config, byte[] model) throws IOException {
        Path modelDir = root.resolve(name);
        Path versionDir = Files.createDirectories(modelDir.resolve("1"));
        Files.writeString(modelDir.resolve(ModelRepository.CONFIG_FILE), config, StandardCharsets.UTF_8);
        Files.write(versionDir.resolve(ModelConfig.DEFAULT_MODEL_FILENAME), model);
        return modelDir;
    }
}
