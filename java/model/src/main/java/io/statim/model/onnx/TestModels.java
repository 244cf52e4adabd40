package io.statim.model.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
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
 *   <li>{@code session_document}: a stateful session over a cached document. Inputs
 *       {@code DOCUMENT} (FP32 {@code [-1,256]}, {@code optional: true}, cached by the session through
 *       {@code session_cached_inputs}), {@code ROWS} (INT64 {@code [-1]}) and {@code QUERY} (FP32
 *       {@code [256]}); {@code SCORES[i] = DOCUMENT[ROWS[i]] · QUERY} (FP32 {@code [-1]}), touching
 *       only the selected rows. Config: {@code max_batch_size: 0}, {@code sequence_batching { }},
 *       one {@code KIND_CPU} instance. A 64 MB document is 65536 rows.</li>
 *   <li>{@code accumulator}: Triton-style implicit state. Input {@code INPUT} (FP32 {@code [4]});
 *       state {@code ACC_IN}/{@code ACC_OUT} (FP32 {@code [4]}, zeros first);
 *       {@code ACC_OUT = INPUT + ACC_IN * (1 - START)}, so a sequence's {@code OUTPUT} is the running
 *       sum of its inputs and START resets it; {@code CONTROLS = [START, END, READY]} (INT32
 *       {@code [3]}) and {@code CORRID_OUT = CORRID} (INT64 {@code [1]}) echo the controls. Config:
 *       {@code max_batch_size: 8}, {@code sequence_batching} with {@code oldest} (8 candidate
 *       sequences, no delay), controls START, END, READY ({@code int32_false_true: [0, 1]}) and
 *       CORRID ({@code TYPE_INT64}), two {@code KIND_CPU} instances.</li>
 *   <li>{@code lora_toy}: a BERT-like encoder for LoRA (see {@link #loraToy()}): FP32 {@code X}
 *       {@code [batch, seq, 32]} to FP32 {@code Y} of the same shape through 2 layers whose linear
 *       layers carry torch.onnx's scoped names. Config: {@code max_batch_size: 8}, dims
 *       {@code [-1, 32]}, {@code lora_target_modules} naming all six linear kinds of a BERT layer,
 *       one {@code KIND_CPU} instance of one thread.</li>
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

    /** The name of the {@code session_document} model. */
    public static final String SESSION_DOCUMENT = "session_document";
    /** The row width of {@code session_document}'s DOCUMENT and the length of its QUERY. */
    public static final int SESSION_DOCUMENT_WIDTH = 256;
    /** The name of the {@code accumulator} model. */
    public static final String ACCUMULATOR = "accumulator";
    /** The width of {@code accumulator}'s INPUT, OUTPUT and state. */
    public static final int ACCUMULATOR_WIDTH = 4;

    /** The name of the {@code lora_toy} model. */
    public static final String LORA_TOY = "lora_toy";
    /** The input of {@code lora_toy}: FP32 {@code [batch, seq, hidden]}. */
    public static final String LORA_TOY_INPUT = "X";
    /** The output of {@code lora_toy}: FP32 {@code [batch, seq, hidden]}. */
    public static final String LORA_TOY_OUTPUT = "Y";
    /** The hidden width of {@code lora_toy}. */
    public static final int LORA_TOY_HIDDEN = 32;
    /** The intermediate width of {@code lora_toy}'s feed-forward layers. */
    public static final int LORA_TOY_INTERMEDIATE = 64;
    /** The encoder layers of {@code lora_toy}. */
    public static final int LORA_TOY_LAYERS = 2;
    /** The PEFT target modules of {@code lora_toy}'s config: every linear layer of a BERT layer. */
    public static final List<String> LORA_TOY_TARGETS =
            List.of("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense");

    /**
     * One linear layer of a test model, as an adapter addresses it.
     *
     * @param modulePath the module path, e.g. {@code encoder.layer.0.attention.self.query}
     * @param in         its input width
     * @param out        its output width
     */
    public record Linear(String modulePath, int in, int out) {
    }

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

    /** {@code SCORES = MatMul(Gather(DOCUMENT, ROWS, axis 0), QUERY)}; see the class doc. */
    public static byte[] sessionDocument() {
        return new OnnxGraphBuilder(SESSION_DOCUMENT)
                .input("DOCUMENT", DataType.FP32, -1, SESSION_DOCUMENT_WIDTH)
                .input("ROWS", DataType.INT64, -1)
                .input("QUERY", DataType.FP32, SESSION_DOCUMENT_WIDTH)
                .node("Gather", List.of("DOCUMENT", "ROWS"), List.of("selected"), OnnxGraphBuilder.intAttribute("axis", 0))
                .node("MatMul", List.of("selected", "QUERY"), List.of("SCORES"))
                .output("SCORES", DataType.FP32, -1)
                .toBytes();
    }

    /**
     * The running sum with Triton's implicit state and controls; every tensor has the batch
     * dimension first. See the class doc.
     */
    public static byte[] accumulator() {
        return new OnnxGraphBuilder(ACCUMULATOR)
                .input("INPUT", DataType.FP32, -1, ACCUMULATOR_WIDTH)
                .input("ACC_IN", DataType.FP32, -1, ACCUMULATOR_WIDTH)
                .input("START", DataType.INT32, -1, 1)
                .input("END", DataType.INT32, -1, 1)
                .input("READY", DataType.INT32, -1, 1)
                .input("CORRID", DataType.INT64, -1, 1)
                .initializer(OnnxGraphBuilder.floatTensor("one", new long[0], 1f))
                .node("Cast", List.of("START"), List.of("start_fp32"),
                        OnnxGraphBuilder.intAttribute("to", OnnxDataTypes.toOnnx(DataType.FP32)))
                .node("Sub", List.of("one", "start_fp32"), List.of("keep"))
                .node("Mul", List.of("ACC_IN", "keep"), List.of("kept"))
                .node("Add", List.of("INPUT", "kept"), List.of("ACC_OUT"))
                .node("Identity", List.of("ACC_OUT"), List.of("OUTPUT"))
                .node("Concat", List.of("START", "END", "READY"), List.of("CONTROLS"), OnnxGraphBuilder.intAttribute("axis", 1))
                .node("Identity", List.of("CORRID"), List.of("CORRID_OUT"))
                .output("OUTPUT", DataType.FP32, -1, ACCUMULATOR_WIDTH)
                .output("ACC_OUT", DataType.FP32, -1, ACCUMULATOR_WIDTH)
                .output("CONTROLS", DataType.INT32, -1, 3)
                .output("CORRID_OUT", DataType.INT64, -1, 1)
                .toBytes();
    }

    /**
     * The {@code lora_toy} encoder (the base model; the server rewrites it for LoRA at load). The
     * same weights on every call.
     */
    public static ModelProto loraToy() {
        return LoraToyModel.build(LORA_TOY_LAYERS, LORA_TOY_HIDDEN, LORA_TOY_INTERMEDIATE);
    }

    /** The linear layers of {@code lora_toy}, in graph order: what a test adapter may target. */
    public static List<Linear> loraToyLayers() {
        return LoraToyModel.linears(LORA_TOY_LAYERS, LORA_TOY_HIDDEN, LORA_TOY_INTERMEDIATE);
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

    /** Writes the {@code session_document} model in Triton layout. */
    public static Path writeSessionDocument(Path repoRoot) throws IOException {
        String config = header(SESSION_DOCUMENT, 0)
                + tensors("input",
                        optionalTensor("DOCUMENT", DataType.FP32, -1, SESSION_DOCUMENT_WIDTH),
                        tensor("ROWS", DataType.INT64, -1),
                        tensor("QUERY", DataType.FP32, SESSION_DOCUMENT_WIDTH))
                + tensors("output", tensor("SCORES", DataType.FP32, -1))
                + """
                sequence_batching { }
                parameters { key: "session_cached_inputs" value { string_value: "DOCUMENT" } }
                instance_group [ { count: 1 kind: KIND_CPU } ]
                """;
        return write(repoRoot, SESSION_DOCUMENT, config, sessionDocument());
    }

    /** Writes the {@code accumulator} model in Triton layout. */
    public static Path writeAccumulator(Path repoRoot) throws IOException {
        String config = header(ACCUMULATOR, 8)
                + tensors("input", tensor("INPUT", DataType.FP32, ACCUMULATOR_WIDTH))
                + tensors("output",
                        tensor("OUTPUT", DataType.FP32, ACCUMULATOR_WIDTH),
                        tensor("CONTROLS", DataType.INT32, 3),
                        tensor("CORRID_OUT", DataType.INT64, 1))
                + """
                sequence_batching {
                  oldest { max_candidate_sequences: 8 max_queue_delay_microseconds: 0 }
                  control_input [
                    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
                    { name: "END" control [ { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] },
                    { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] },
                    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 } ] }
                  ]
                  state [
                    {
                      input_name: "ACC_IN"
                      output_name: "ACC_OUT"
                      data_type: TYPE_FP32
                      dims: [ 4 ]
                      initial_state { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true name: "zeros" }
                    }
                  ]
                }
                instance_group [ { count: 2 kind: KIND_CPU } ]
                """;
        return write(repoRoot, ACCUMULATOR, config, accumulator());
    }

    /** Writes {@code lora_toy} with 4 adapter slots, max rank 16 and no queue delay. */
    public static Path writeLoraToy(Path repoRoot) throws IOException {
        return writeLoraToy(repoRoot, 4, 16, 0);
    }

    /**
     * Writes {@code lora_toy} in Triton layout with the given LoRA slots and max rank and a dynamic
     * batcher that waits up to {@code maxQueueDelayUs} for a batch to fill.
     */
    public static Path writeLoraToy(Path repoRoot, int slots, int maxRank, long maxQueueDelayUs) throws IOException {
        String config = header(LORA_TOY, 8)
                + tensors("input", tensor(LORA_TOY_INPUT, DataType.FP32, -1, LORA_TOY_HIDDEN))
                + tensors("output", tensor(LORA_TOY_OUTPUT, DataType.FP32, -1, LORA_TOY_HIDDEN))
                + "parameters { key: \"lora_target_modules\" value { string_value: \"" + String.join(",", LORA_TOY_TARGETS) + "\" } }\n"
                + "parameters { key: \"lora_slots\" value { string_value: \"" + slots + "\" } }\n"
                + "parameters { key: \"lora_max_rank\" value { string_value: \"" + maxRank + "\" } }\n"
                + "parameters { key: \"intra_op_thread_count\" value { string_value: \"1\" } }\n"
                + "dynamic_batching { max_queue_delay_microseconds: " + maxQueueDelayUs + " }\n"
                + "instance_group [ { count: 1 kind: KIND_CPU } ]\n";
        return write(repoRoot, LORA_TOY, config, loraToy().toByteArray());
    }

    private static String header(String name, int maxBatchSize) {
        return "name: \"" + name + "\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: " + maxBatchSize + "\n";
    }

    private static String tensors(String kind, String... entries) {
        return kind + " [\n" + String.join(",\n", entries) + "\n]\n";
    }

    private static String tensor(String name, DataType type, long... dims) {
        return tensor(name, type, "", dims);
    }

    private static String optionalTensor(String name, DataType type, long... dims) {
        return tensor(name, type, " optional: true", dims);
    }

    private static String tensor(String name, DataType type, String extra, long... dims) {
        StringBuilder dimList = new StringBuilder();
        for (long d : dims) {
            dimList.append(dimList.isEmpty() ? "" : ", ").append(d);
        }
        return "  { name: \"" + name + "\" data_type: " + type.configName() + " dims: [ " + dimList + " ]" + extra + " }";
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
