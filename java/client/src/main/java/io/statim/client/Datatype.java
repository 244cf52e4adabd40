package io.statim.client;

/**
 * The tensor datatypes of the Open Inference Protocol (KServe v2), by their wire names. Element data
 * is little-endian and row-major; {@link #BYTES} elements are byte strings of any length.
 */
public enum Datatype {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8), INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), BF16(2), FP32(4), FP64(8), BYTES(0);

    private final int byteSize;

    Datatype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes of one element; 0 for {@link #BYTES}, whose elements vary in length. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The datatype of a wire name such as {@code "FP32"}.
     *
     * @throws IllegalArgumentException for a name the protocol does not define
     */
    public static Datatype of(String wireName) {
        try {
            return valueOf(wireName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor datatype '" + wireName + "'", e);
        }
    }
}
