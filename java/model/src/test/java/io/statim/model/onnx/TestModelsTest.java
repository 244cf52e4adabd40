package io.statim.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.SequenceBatching;
import io.statim.model.config.SequenceBatching.ControlKind;
import io.statim.model.config.TensorConfig;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the generated models in ONNX Runtime. */
class TestModelsTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @TempDir
    Path root;

    private static OrtSession session(byte[] model) throws OrtException {
        return ENV.createSession(model, new OrtSession.SessionOptions());
    }

    private static int[][] rows(int batch, int offset) {
        int[][] rows = new int[batch][16];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < 16; i++) {
                rows[b][i] = offset + b * 16 + i;
            }
        }
        return rows;
    }

    /** The ONNX Runtime Java type that carries a fixed-size Statim type in a ByteBuffer. */
    private static OnnxJavaType javaType(DataType type) {
        return switch (type) {
            case BOOL -> OnnxJavaType.BOOL;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT8 -> OnnxJavaType.INT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case FP16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case FP32 -> OnnxJavaType.FLOAT;
            case FP64 -> OnnxJavaType.DOUBLE;
            // ONNX Runtime's Java API cannot create unsigned tensors wider than a byte.
            case UINT16, UINT32, UINT64, BYTES -> null;
        };
    }

    @Test
    void simpleAddsAndSubtractsItsInputs() throws OrtException {
        int[][] a = rows(3, 0);
        int[][] b = rows(3, 100);
        try (OrtSession session = session(TestModels.simple());
                OnnxTensor in0 = OnnxTensor.createTensor(ENV, a);
                OnnxTensor in1 = OnnxTensor.createTensor(ENV, b);
                OrtSession.Result result = session.run(Map.of("INPUT0", in0, "INPUT1", in1))) {
            int[][] sum = (int[][]) result.get("OUTPUT0").orElseThrow().getValue();
            int[][] difference = (int[][]) result.get("OUTPUT1").orElseThrow().getValue();

            assertThat(sum[2][5]).isEqualTo(a[2][5] + b[2][5]);
            assertThat(difference[2][5]).isEqualTo(-100);
            assertThat(sum).hasDimensions(3, 16);
        }
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void identityDeclaresItsTypeAndWildcardShape(DataType type) throws OrtException {
        try (OrtSession session = session(TestModels.identity(type))) {
            TensorInfo input = (TensorInfo) session.getInputInfo().get("INPUT0").getInfo();
            TensorInfo output = (TensorInfo) session.getOutputInfo().get("OUTPUT0").getInfo();

            // OnnxTensorType.value has ONNX Runtime Java's own numbering; its names follow ONNX's.
            String expected = "ONNX_TENSOR_ELEMENT_DATA_TYPE_" + TensorProto.DataType.forNumber(OnnxDataTypes.toOnnx(type));
            assertThat(input.onnxType.name()).isEqualTo(expected);
            assertThat(output.onnxType.name()).isEqualTo(expected);
            assertThat(input.getShape()).containsExactly(-1, -1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"UINT16", "UINT32", "UINT64", "BYTES"}, mode = EnumSource.Mode.EXCLUDE)
    void identityReturnsItsInputBytes(DataType type) throws OrtException {
        long[] shape = {2, 3};
        ByteBuffer data = ByteBuffer.allocateDirect(6 * type.byteSize()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < data.capacity(); i++) {
            // BOOL takes only 0 and 1; bytes below 64 keep every float finite.
            data.put(i, (byte) (type == DataType.BOOL ? i % 2 : (i * 37 + 11) & 0x3F));
        }
        try (OrtSession session = session(TestModels.identity(type));
                OnnxTensor in = OnnxTensor.createTensor(ENV, data, shape, javaType(type));
                OrtSession.Result result = session.run(Map.of("INPUT0", in))) {
            OnnxTensor out = (OnnxTensor) result.get("OUTPUT0").orElseThrow();

            assertThat(out.getInfo().getShape()).containsExactly(shape);
            assertThat(out.getByteBuffer()).isEqualTo(data.rewind());
        }
    }

    @Test
    void identityReturnsItsInputStrings() throws OrtException {
        String[] strings = {"a", "", "é", "longer string"};
        try (OrtSession session = session(TestModels.identity(DataType.BYTES));
                OnnxTensor in = OnnxTensor.createTensor(ENV, strings, new long[] {2, 2});
                OrtSession.Result result = session.run(Map.of("INPUT0", in))) {
            String[][] out = (String[][]) result.get("OUTPUT0").orElseThrow().getValue();

            assertThat(out).isDeepEqualTo(new String[][] {{"a", ""}, {"é", "longer string"}});
        }
    }

    @Test
    void variableCostReturnsItsInputAfterRepeating() throws OrtException {
        float[][] x = {new float[16], new float[16]};
        for (int i = 0; i < 16; i++) {
            x[0][i] = i * 0.5f;
            x[1][i] = -i;
        }
        try (OrtSession session = session(TestModels.variableCost());
                OnnxTensor in = OnnxTensor.createTensor(ENV, x);
                OnnxTensor repeat = OnnxTensor.createTensor(ENV, new long[][] {{3}, {7}});
                OrtSession.Result result = session.run(Map.of("INPUT0", in, "REPEAT", repeat))) {
            assertThat((float[][]) result.get("OUTPUT0").orElseThrow().getValue()).isDeepEqualTo(x);
        }
    }

    @Test
    void variableCostReturnsItsInputWithZeroRepeats() throws OrtException {
        float[][] x = {new float[16]};
        x[0][3] = 42f;
        try (OrtSession session = session(TestModels.variableCost());
                OnnxTensor in = OnnxTensor.createTensor(ENV, x);
                OnnxTensor repeat = OnnxTensor.createTensor(ENV, new long[][] {{0}});
                OrtSession.Result result = session.run(Map.of("INPUT0", in, "REPEAT", repeat))) {
            assertThat((float[][]) result.get("OUTPUT0").orElseThrow().getValue()).isDeepEqualTo(x);
        }
    }

    @Test
    void writesSimpleAsALoadableTritonModel() throws IOException {
        TestModels.writeSimple(root);

        ModelSource source = new ModelRepository(root).load(TestModels.SIMPLE);
        ModelConfig config = source.config();
        assertThat(config.maxBatchSize()).isEqualTo(8);
        assertThat(config.inputs()).extracting(t -> t.name() + ":" + t.dataType() + t.dims())
                .containsExactly("INPUT0:INT32[16]", "INPUT1:INT32[16]");
        assertThat(config.outputs()).extracting(t -> t.name()).containsExactly("OUTPUT0", "OUTPUT1");
        assertThat(Files.readAllBytes(source.modelFile(1))).isEqualTo(TestModels.simple());
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void writesEachIdentityAsALoadableTritonModel(DataType type) throws IOException {
        TestModels.writeIdentity(root, type);

        ModelConfig config = new ModelRepository(root).load(TestModels.identityName(type)).config();
        assertThat(config.batching()).isFalse();
        assertThat(config.input("INPUT0").dataType()).isEqualTo(type);
        assertThat(config.output("OUTPUT0").dims()).isEqualTo(Shape.of(-1, -1));
    }

    @Test
    void namesIdentityModelsAfterTheType() {
        assertThat(TestModels.identityName(DataType.FP32)).isEqualTo("identity_fp32");
        assertThat(TestModels.identityName(DataType.BYTES)).isEqualTo("identity_bytes");
    }

    @Test
    void writesVariableCostAsALoadableTritonModel() throws IOException {
        TestModels.writeVariableCost(root);

        ModelConfig config = new ModelRepository(root).load(TestModels.VARIABLE_COST).config();
        assertThat(config.input("REPEAT").dataType()).isEqualTo(DataType.INT64);
        assertThat(config.input("REPEAT").dims()).isEqualTo(Shape.of(1));
    }

    @Test
    void writesSeveralModelsIntoOneRepository() throws IOException {
        TestModels.writeSimple(root);
        TestModels.writeIdentity(root, DataType.FP32);
        TestModels.writeVariableCost(root);

        assertThat(new ModelRepository(root).modelNames())
                .containsExactly("identity_fp32", "simple", "variable_cost");
    }

    private static float[][] document(int rows, int width) {
        float[][] document = new float[rows][width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                document[r][c] = ((r * 31 + c * 7) % 17 - 8) / 4f;
            }
        }
        return document;
    }

    @Test
    void sessionDocumentScoresTheSelectedRowsAgainstTheQuery() throws OrtException {
        int width = TestModels.SESSION_DOCUMENT_WIDTH;
        float[][] document = document(5, width);
        float[] query = new float[width];
        for (int c = 0; c < width; c++) {
            query[c] = (c % 5 - 2) * 0.5f;
        }
        long[] rows = {3, 0, 3};
        try (OrtSession session = session(TestModels.sessionDocument());
                OnnxTensor doc = OnnxTensor.createTensor(ENV, document);
                OnnxTensor selected = OnnxTensor.createTensor(ENV, rows);
                OnnxTensor q = OnnxTensor.createTensor(ENV, query);
                OrtSession.Result result = session.run(Map.of("DOCUMENT", doc, "ROWS", selected, "QUERY", q))) {
            float[] scores = (float[]) result.get("SCORES").orElseThrow().getValue();

            assertThat(scores).hasSize(3);
            for (int i = 0; i < rows.length; i++) {
                double expected = 0;
                for (int c = 0; c < width; c++) {
                    expected += (double) document[(int) rows[i]][c] * query[c];
                }
                assertThat((double) scores[i]).isCloseTo(expected, within(1e-3));
            }
            assertThat(scores[0]).isEqualTo(scores[2]);
        }
    }

    /** Runs the accumulator on one batch; returns OUTPUT, ACC_OUT, CONTROLS and CORRID_OUT by name. */
    private static Map<String, Object> accumulate(float[][] input, float[][] state, int[][] start, int[][] end, int[][] ready,
            long[][] corrid) throws OrtException {
        try (OrtSession session = session(TestModels.accumulator());
                OnnxTensor in = OnnxTensor.createTensor(ENV, input);
                OnnxTensor acc = OnnxTensor.createTensor(ENV, state);
                OnnxTensor s = OnnxTensor.createTensor(ENV, start);
                OnnxTensor e = OnnxTensor.createTensor(ENV, end);
                OnnxTensor r = OnnxTensor.createTensor(ENV, ready);
                OnnxTensor c = OnnxTensor.createTensor(ENV, corrid);
                OrtSession.Result result = session.run(Map.of("INPUT", in, "ACC_IN", acc, "START", s, "END", e, "READY", r,
                        "CORRID", c))) {
            Map<String, Object> out = new HashMap<>();
            for (String name : List.of("OUTPUT", "ACC_OUT", "CONTROLS", "CORRID_OUT")) {
                out.put(name, result.get(name).orElseThrow().getValue());
            }
            return out;
        }
    }

    @Test
    void accumulatorStartsFromTheInputWhenStartIsSet() throws OrtException {
        float[][] input = {{1, 2, 3, 4}};
        Map<String, Object> out = accumulate(input, new float[][] {{100, 200, 300, 400}}, new int[][] {{1}}, new int[][] {{0}},
                new int[][] {{1}}, new long[][] {{7}});

        assertThat((float[][]) out.get("OUTPUT")).isDeepEqualTo(input);
        assertThat((float[][]) out.get("ACC_OUT")).isDeepEqualTo(input);
    }

    @Test
    void accumulatorAddsTheInputToTheStateWhenStartIsClear() throws OrtException {
        Map<String, Object> out = accumulate(new float[][] {{1, 2, 3, 4}}, new float[][] {{10, 20, 30, 40}}, new int[][] {{0}},
                new int[][] {{0}}, new int[][] {{1}}, new long[][] {{7}});

        assertThat((float[][]) out.get("OUTPUT")).isDeepEqualTo(new float[][] {{11, 22, 33, 44}});
        assertThat((float[][]) out.get("ACC_OUT")).isDeepEqualTo(new float[][] {{11, 22, 33, 44}});
    }

    @Test
    void accumulatorTreatsEachRowOfABatchAsItsOwnSequence() throws OrtException {
        Map<String, Object> out = accumulate(new float[][] {{1, 1, 1, 1}, {2, 2, 2, 2}},
                new float[][] {{5, 5, 5, 5}, {5, 5, 5, 5}}, new int[][] {{1}, {0}}, new int[][] {{0}, {1}},
                new int[][] {{1}, {1}}, new long[][] {{11}, {-12}});

        assertThat((float[][]) out.get("OUTPUT")).isDeepEqualTo(new float[][] {{1, 1, 1, 1}, {7, 7, 7, 7}});
        assertThat((int[][]) out.get("CONTROLS")).isDeepEqualTo(new int[][] {{1, 0, 1}, {0, 1, 1}});
        assertThat((long[][]) out.get("CORRID_OUT")).isDeepEqualTo(new long[][] {{11}, {-12}});
    }

    @Test
    void accumulatorFedItsOwnStateReturnsTheRunningSum() throws OrtException {
        float[][] state = new float[1][TestModels.ACCUMULATOR_WIDTH];
        float[][] output = null;
        for (int step = 0; step < 3; step++) {
            Map<String, Object> out = accumulate(new float[][] {{step + 1, 1, 0, -1}}, state, new int[][] {{step == 0 ? 1 : 0}},
                    new int[][] {{step == 2 ? 1 : 0}}, new int[][] {{1}}, new long[][] {{3}});
            state = (float[][]) out.get("ACC_OUT");
            output = (float[][]) out.get("OUTPUT");
        }

        assertThat(output).isDeepEqualTo(new float[][] {{6, 3, 0, -3}});
    }

    /** The execution config's tensors are exactly the ONNX model's, with the batch dimension when it batches. */
    private static void assertMatchesTheModel(ModelConfig execution, byte[] model) throws OrtException {
        try (OrtSession session = session(model)) {
            assertThat(execution.inputs()).extracting(TensorConfig::name)
                    .containsExactlyInAnyOrderElementsOf(session.getInputNames());
            assertThat(execution.outputs()).extracting(TensorConfig::name)
                    .containsExactlyInAnyOrderElementsOf(session.getOutputNames());
            Map<String, TensorConfig> tensors = new HashMap<>();
            execution.inputs().forEach(t -> tensors.put(t.name(), t));
            execution.outputs().forEach(t -> tensors.put(t.name(), t));
            Map<String, NodeInfo> infos = new HashMap<>(session.getInputInfo());
            infos.putAll(session.getOutputInfo());
            infos.forEach((name, info) -> {
                TensorInfo tensor = (TensorInfo) info.getInfo();
                TensorConfig config = tensors.get(name);
                Shape shape = execution.batching() ? config.dims().withBatch(Shape.ANY) : config.dims();
                assertThat(tensor.getShape()).as(name).containsExactly(shape.toArray());
                assertThat(tensor.onnxType.name()).as(name).isEqualTo("ONNX_TENSOR_ELEMENT_DATA_TYPE_"
                        + TensorProto.DataType.forNumber(OnnxDataTypes.toOnnx(config.dataType())));
            });
        }
    }

    @Test
    void writesSessionDocumentAsALoadableTritonModel() throws IOException, OrtException {
        TestModels.writeSessionDocument(root);

        ModelSource source = new ModelRepository(root).load(TestModels.SESSION_DOCUMENT);
        ModelConfig config = source.config();
        assertThat(config.maxBatchSize()).isZero();
        assertThat(config.input("DOCUMENT").optional()).isTrue();
        assertThat(config.input("DOCUMENT").dims()).isEqualTo(Shape.of(-1, TestModels.SESSION_DOCUMENT_WIDTH));
        assertThat(config.sequenceBatching()).isEqualTo(new SequenceBatching(0, SequenceBatching.Oldest.DEFAULT, List.of(),
                List.of(), List.of("DOCUMENT"), SequenceBatching.DEFAULT_TTL_SECONDS));
        assertThat(config.instanceGroups()).extracting(InstanceGroup::kind, InstanceGroup::count)
                .containsExactly(tuple(InstanceGroup.Kind.KIND_CPU, 1));
        assertThat(config.executionConfig()).isSameAs(config);
        assertMatchesTheModel(config.executionConfig(), TestModels.sessionDocument());
        assertThat(Files.readAllBytes(source.modelFile(1))).isEqualTo(TestModels.sessionDocument());
    }

    @Test
    void writesAccumulatorAsALoadableTritonModel() throws IOException, OrtException {
        TestModels.writeAccumulator(root);

        ModelConfig config = new ModelRepository(root).load(TestModels.ACCUMULATOR).config();
        SequenceBatching s = config.sequenceBatching();
        assertThat(config.maxBatchSize()).isEqualTo(8);
        assertThat(s.oldest()).isEqualTo(new SequenceBatching.Oldest(8, List.of(), 0, false));
        assertThat(s.controlInputs()).extracting(c -> c.name() + ":" + c.kind() + ":" + c.dataType() + ":" + c.falseValue()
                + "/" + c.trueValue()).containsExactly(
                "START:CONTROL_SEQUENCE_START:INT32:0.0/1.0",
                "END:CONTROL_SEQUENCE_END:INT32:0.0/1.0",
                "READY:CONTROL_SEQUENCE_READY:INT32:0.0/1.0",
                "CORRID:CONTROL_SEQUENCE_CORRID:INT64:0.0/0.0");
        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_CORRID).dataType()).isEqualTo(DataType.INT64);
        assertThat(s.states()).containsExactly(new SequenceBatching.State("ACC_IN", "ACC_OUT", DataType.FP32, Shape.of(4)));
        assertThat(config.instanceGroups()).extracting(InstanceGroup::kind, InstanceGroup::count)
                .containsExactly(tuple(InstanceGroup.Kind.KIND_CPU, 2));
        assertThat(config.inputs()).extracting(TensorConfig::name).containsExactly("INPUT");
        assertThat(config.executionConfig().inputs()).extracting(TensorConfig::name)
                .containsExactly("INPUT", "ACC_IN", "START", "END", "READY", "CORRID");
        assertThat(config.executionConfig().outputs()).extracting(TensorConfig::name)
                .containsExactly("OUTPUT", "CONTROLS", "CORRID_OUT", "ACC_OUT");
        assertMatchesTheModel(config.executionConfig(), TestModels.accumulator());
    }

    @Test
    void writesTheSessionModelsIntoOneRepository() throws IOException {
        TestModels.writeSessionDocument(root);
        TestModels.writeAccumulator(root);

        assertThat(new ModelRepository(root).modelNames()).containsExactly("accumulator", "session_document");
    }

    @Test
    void loraToyIsAServableEncoderWhoseLinearLayersTheLoraTargetsName() throws Exception {
        TestModels.writeLoraToy(root, 3, 32, 500);
        ModelConfig config = new ModelRepository(root).load(TestModels.LORA_TOY).config();

        assertThat(config.lora().targetModules()).isEqualTo(TestModels.LORA_TOY_TARGETS);
        assertThat(config.lora().slots()).isEqualTo(3);
        assertThat(config.lora().maxRank()).isEqualTo(32);
        assertThat(config.dynamicBatching().maxQueueDelayNs()).isEqualTo(500_000);
        assertThat(TestModels.loraToyLayers()).hasSize(12).first()
                .isEqualTo(new TestModels.Linear("encoder.layer.0.attention.self.query", 32, 32));
        assertThat(io.statim.model.lora.LoraGraphRewrite.rewrite(TestModels.loraToy(), config.lora().targetModules(), 4, 32)
                .layout().targets()).hasSize(12);
        float[] x = new float[2 * 3 * TestModels.LORA_TOY_HIDDEN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        try (OrtSession session = session(TestModels.loraToy().toByteArray());
             OnnxTensor input = OnnxTensor.createTensor(ENV, java.nio.FloatBuffer.wrap(x), new long[] {2, 3, TestModels.LORA_TOY_HIDDEN});
             OrtSession.Result result = session.run(Map.of(TestModels.LORA_TOY_INPUT, input))) {
            assertThat(((OnnxTensor) result.get(TestModels.LORA_TOY_OUTPUT).orElseThrow()).getInfo().getShape())
                    .containsExactly(2, 3, TestModels.LORA_TOY_HIDDEN);
        }
        assertMatchesTheModel(config, TestModels.loraToy().toByteArray());
    }
}
