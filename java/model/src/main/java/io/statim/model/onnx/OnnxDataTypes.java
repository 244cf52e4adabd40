package io.statim.model.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.statim.core.tensor.DataType;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps Statim's {@link DataType} to ONNX element types and back. The numbers are those of ONNX's
 * {@code TensorProto.DataType}, which ONNX Runtime's C API ({@code ONNXTensorElementDataType}) shares;
 * ONNX Runtime Java's {@code OnnxTensorType.value} numbers differently, so match that by name.
 * {@code BYTES} is ONNX {@code STRING}, {@code FP16} is {@code FLOAT16}, {@code BF16} is
 * {@code BFLOAT16}. Immutable; safe for any thread.
 */
public final class OnnxDataTypes {
    private static final Map<DataType, TensorProto.DataType> TO_ONNX = new EnumMap<>(DataType.class);
    private static final Map<Integer, DataType> FROM_ONNX = new HashMap<>();

    static {
        map(DataType.BOOL, TensorProto.DataType.BOOL);
        map(DataType.UINT8, TensorProto.DataType.UINT8);
        map(DataType.UINT16, TensorProto.DataType.UINT16);
        map(DataType.UINT32, TensorProto.DataType.UINT32);
        map(DataType.UINT64, TensorProto.DataType.UINT64);
        map(DataType.INT8, TensorProto.DataType.INT8);
        map(DataType.INT16, TensorProto.DataType.INT16);
        map(DataType.INT32, TensorProto.DataType.INT32);
        map(DataType.INT64, TensorProto.DataType.INT64);
        map(DataType.FP16, TensorProto.DataType.FLOAT16);
        map(DataType.BF16, TensorProto.DataType.BFLOAT16);
        map(DataType.FP32, TensorProto.DataType.FLOAT);
        map(DataType.FP64, TensorProto.DataType.DOUBLE);
        map(DataType.BYTES, TensorProto.DataType.STRING);
    }

    private OnnxDataTypes() {
    }

    private static void map(DataType type, TensorProto.DataType onnx) {
        TO_ONNX.put(type, onnx);
        FROM_ONNX.put(onnx.getNumber(), type);
    }

    /** The ONNX element type number of a Statim type. Every Statim type has one. */
    public static int toOnnx(DataType type) {
        return TO_ONNX.get(type).getNumber();
    }

    /** The Statim type of an ONNX element type number, or {@code null} when Statim has none (e.g. COMPLEX64). */
    public static DataType fromOnnx(int onnxElementType) {
        return FROM_ONNX.get(onnxElementType);
    }
}
