package io.statim.protocol.oip;

/**
 * Conversions between {@code float} and the two 16-bit float formats of the protocol. FP16 is IEEE
 * binary16 ({@link Float#floatToFloat16}); BF16 is the upper half of a binary32, rounded to nearest
 * even as PyTorch and TensorFlow do.
 */
final class HalfFloats {
    private HalfFloats() {
    }

    /** The BF16 bits nearest to {@code value}; NaN stays a (quiet) NaN. */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float whose upper half is {@code bits}; exact. */
    static float fromBf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
