package io.statim.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.statim.core.tensor.DataType;

import org.junit.jupiter.api.Test;

import java.util.List;

class OnnxGraphBuilderTest {

    private static List<String> dims(ValueInfoProto info) {
        return info.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.getValueCase() == TensorShapeProto.Dimension.ValueCase.DIM_PARAM
                        ? d.getDimParam() : Long.toString(d.getDimValue()))
                .toList();
    }

    @Test
    void namesWildcardDimensionsSymbolically() {
        ModelProto model = new OnnxGraphBuilder("g").input("X", DataType.FP32, -1, 16, -1).build();

        assertThat(dims(model.getGraph().getInput(0))).containsExactly("batch", "16", "dim2");
    }

    @Test
    void declaresAScalarWithoutDims() {
        ModelProto model = new OnnxGraphBuilder("g").input("X", DataType.INT64).build();

        assertThat(model.getGraph().getInput(0).getType().getTensorType().hasShape()).isTrue();
        assertThat(dims(model.getGraph().getInput(0))).isEmpty();
    }

    @Test
    void setsIrVersionOpsetAndElementType() {
        ModelProto model = new OnnxGraphBuilder("g").output("Y", DataType.BYTES, 2).build();

        assertThat(model.getIrVersion()).isEqualTo(OnnxGraphBuilder.IR_VERSION);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(OnnxGraphBuilder.OPSET);
        assertThat(model.getGraph().getOutput(0).getType().getTensorType().getElemType())
                .isEqualTo(OnnxDataTypes.toOnnx(DataType.BYTES));
    }

    @Test
    void serializesTheModel() throws InvalidProtocolBufferException {
        OnnxGraphBuilder builder = new OnnxGraphBuilder("g")
                .input("X", DataType.FP32, 1)
                .node("Identity", List.of("X"), List.of("Y"))
                .output("Y", DataType.FP32, 1);

        assertThat(ModelProto.parseFrom(builder.toBytes())).isEqualTo(builder.build());
    }

    @Test
    void rejectsAnInitializerWithTheWrongValueCount() {
        assertThatThrownBy(() -> OnnxGraphBuilder.floatTensor("w", new long[] {2, 2}, 1f, 2f, 3f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'w' of dims [2,2] needs 4 values, got 3");
    }
}
