package io.statim.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.ModelConfig;
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
}
