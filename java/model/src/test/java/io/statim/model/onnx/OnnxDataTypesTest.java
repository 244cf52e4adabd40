package io.statim.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.statim.core.tensor.DataType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OnnxDataTypesTest {

    @ParameterizedTest
    @EnumSource(DataType.class)
    void mapsEveryDataTypeToOnnxAndBack(DataType type) {
        assertThat(OnnxDataTypes.fromOnnx(OnnxDataTypes.toOnnx(type))).isEqualTo(type);
    }

    @Test
    void mapsTypesWhoseNamesDifferInOnnx() {
        assertThat(OnnxDataTypes.toOnnx(DataType.BYTES)).isEqualTo(TensorProto.DataType.STRING_VALUE);
        assertThat(OnnxDataTypes.toOnnx(DataType.FP16)).isEqualTo(TensorProto.DataType.FLOAT16_VALUE);
        assertThat(OnnxDataTypes.toOnnx(DataType.BF16)).isEqualTo(TensorProto.DataType.BFLOAT16_VALUE);
        assertThat(OnnxDataTypes.toOnnx(DataType.FP32)).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        assertThat(OnnxDataTypes.toOnnx(DataType.FP64)).isEqualTo(TensorProto.DataType.DOUBLE_VALUE);
    }

    @Test
    void hasNoStatimTypeForComplexNumbers() {
        assertThat(OnnxDataTypes.fromOnnx(TensorProto.DataType.COMPLEX64_VALUE)).isNull();
    }
}
