package io.statim.model.lora;

import io.statim.core.tensor.DataType;

import java.util.HashMap;
import java.util.Map;

/**
 * The element types of the safetensors format, by the names its header uses ({@code "F32"},
 * {@code "BF16"}, ...), with their sizes and Statim's {@link DataType} where one exists (the FP8 types
 * have none). Immutable; safe for any thread.
 */
public enum SafeTensorsDType {
    BOOL(1, DataType.BOOL),
    U8(1, DataType.UINT8),
    I8(1, DataType.INT8),
    F8_E5M2(1, null),
    F8_E4M3(1, null),
    I16(2, DataType.INT16),
    U16(2, DataType.UINT16),
    F16(2, DataType.FP16),
    BF16(2, DataType.BF16),
    I32(4, DataType.INT32),
    U32(4, DataType.UINT32),
    F32(4, DataType.FP32),
    I64(8, DataType.INT64),
    U64(8, DataType.UINT64),
    F64(8, DataType.FP64);

    private static final Map<String, SafeTensorsDType> BY_NAME = new HashMap<>();

    static {
        for (SafeTensorsDType type : values()) {
            BY_NAME.put(type.name(), type);
        }
    }

    private final int byteSize;
    private final DataType dataType;

    SafeTensorsDType(int byteSize, DataType dataType) {
        this.byteSize = byteSize;
        this.dataType = dataType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Statim's type of the same encoding, or {@code null} for the FP8 types. */
    public DataType dataType() {
        return dataType;
    }

    /** Whether {@link SafeTensor#getFloat} and the FP32 copies can read this type (F16, BF16, F32, F64). */
    public boolean isFloat() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** The type a header names, or {@code null} when the name is not a safetensors dtype. */
    public static SafeTensorsDType fromName(String name) {
        return BY_NAME.get(name);
    }
}
