package io.statim.runtime.cuda.tensorrt;

import io.statim.core.tensor.DataType;

/**
 * Statim's datatypes as TensorRT's {@code nvinfer1::DataType} values (the enum's integers, so that
 * this mapping is usable and testable without loading TensorRT). Types TensorRT has no tensor type
 * for (UINT16/32/64, INT16, FP64, BYTES) map to {@link #NONE}: such a model is refused at load.
 */
public final class TrtTypes {
    /** No TensorRT type. */
    public static final int NONE = -1;
    static final int K_FLOAT = 0;
    static final int K_HALF = 1;
    static final int K_INT8 = 2;
    static final int K_INT32 = 3;
    static final int K_BOOL = 4;
    static final int K_UINT8 = 5;
    static final int K_BF16 = 7;
    static final int K_INT64 = 8;

    private TrtTypes() {
    }

    /** TensorRT's value for a datatype, or {@link #NONE}. */
    public static int of(DataType type) {
        return switch (type) {
            case FP32 -> K_FLOAT;
            case FP16 -> K_HALF;
            case BF16 -> K_BF16;
            case INT8 -> K_INT8;
            case INT32 -> K_INT32;
            case INT64 -> K_INT64;
            case BOOL -> K_BOOL;
            case UINT8 -> K_UINT8;
            default -> NONE;
        };
    }

    /** The name of a TensorRT value, for messages. */
    public static String name(int trtType) {
        return switch (trtType) {
            case K_FLOAT -> "kFLOAT";
            case K_HALF -> "kHALF";
            case K_INT8 -> "kINT8";
            case K_INT32 -> "kINT32";
            case K_BOOL -> "kBOOL";
            case K_UINT8 -> "kUINT8";
            case 6 -> "kFP8";
            case K_BF16 -> "kBF16";
            case K_INT64 -> "kINT64";
            case 9 -> "kINT4";
            case 10 -> "kFP4";
            default -> "type " + trtType;
        };
    }
}
