package io.statim.core.tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The KServe / Open Inference Protocol tensor datatypes, with their element sizes and the names used
 * on the wire ({@code "INT32"}) and in Triton's model configuration ({@code "TYPE_INT32"}).
 *
 * <p>{@link #BYTES} is the only variable-length type: each element is serialized as a 4-byte
 * little-endian length followed by that many bytes, as in Triton's binary tensor extension.
 * Immutable; safe for any thread.
 */
public enum DataType {
    BOOL(1, "TYPE_BOOL"),
    UINT8(1, "TYPE_UINT8"),
    UINT16(2, "TYPE_UINT16"),
    UINT32(4, "TYPE_UINT32"),
    UINT64(8, "TYPE_UINT64"),
    INT8(1, "TYPE_INT8"),
    INT16(2, "TYPE_INT16"),
    INT32(4, "TYPE_INT32"),
    INT64(8, "TYPE_INT64"),
    FP16(2, "TYPE_FP16"),
    BF16(2, "TYPE_BF16"),
    FP32(4, "TYPE_FP32"),
    FP64(8, "TYPE_FP64"),
    /** Variable-length bytes; {@link #byteSize()} is 0. */
    BYTES(0, "TYPE_STRING");

    private static final Map<String, DataType> BY_WIRE_NAME = new HashMap<>();
    private static final Map<String, DataType> BY_CONFIG_NAME = new HashMap<>();

    static {
        for (DataType type : values()) {
            BY_WIRE_NAME.put(type.name(), type);
            BY_CONFIG_NAME.put(type.configName, type);
        }
    }

    private final int byteSize;
    private final String configName;

    DataType(int byteSize, String configName) {
        this.byteSize = byteSize;
        this.configName = configName;
    }

    /** Bytes per element; 0 for {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    /** True for {@link #BYTES}, whose elements carry their own length. */
    public boolean isVariableLength() {
        return byteSize == 0;
    }

    /** The OIP name, e.g. {@code "FP32"}. */
    public String wireName() {
        return name();
    }

    /** Triton's model-config name, e.g. {@code "TYPE_FP32"} ({@code "TYPE_STRING"} for BYTES). */
    public String configName() {
        return configName;
    }

    /** The type for an OIP name, or {@code null} when there is none. */
    public static DataType fromWireName(String name) {
        return BY_WIRE_NAME.get(name);
    }

    /** The type for a Triton config name such as {@code TYPE_INT32}, or {@code null}. */
    public static DataType fromConfigName(String name) {
        return BY_CONFIG_NAME.get(name);
    }
}
