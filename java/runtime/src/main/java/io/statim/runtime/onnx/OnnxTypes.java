package io.statim.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.statim.core.tensor.DataType;

/**
 * Maps Statim's datatypes onto ONNX Runtime's Java types. ONNX Runtime's Java binding has no
 * unsigned 16, 32 or 64-bit tensors, so models with such inputs or outputs cannot be served by it.
 */
final class OnnxTypes {
    private OnnxTypes() {
    }

    /** The Java binding's type, or {@code null} when the binding cannot carry this datatype. */
    static OnnxJavaType javaType(DataType type) {
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
            case BYTES -> OnnxJavaType.STRING;
            case UINT16, UINT32, UINT64 -> null;
        };
    }

    /** The ONNX element type that a config datatype must match. */
    static OnnxTensorType onnxType(DataType type) {
        return switch (type) {
            case BOOL -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
            case UINT8 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
            case UINT16 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16;
            case UINT32 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32;
            case UINT64 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64;
            case INT8 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
            case INT16 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16;
            case INT32 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
            case INT64 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
            case FP16 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
            case BF16 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16;
            case FP32 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
            case FP64 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
            case BYTES -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING;
        };
    }
}
