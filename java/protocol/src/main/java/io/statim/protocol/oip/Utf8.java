package io.statim.protocol.oip;

import java.lang.foreign.MemorySegment;

/**
 * Encodes UTF-16 chars as UTF-8 straight into a segment, without the intermediate {@code String} or
 * {@code byte[]} that {@code String.getBytes} would allocate. A lone surrogate, which a JSON escape
 * can produce, becomes U+FFFD (where {@code String.getBytes} would write {@code '?'}).
 */
final class Utf8 {
    private static final int REPLACEMENT_BYTES = 3;

    private Utf8() {
    }

    /** The UTF-8 length of {@code chars[offset, offset + length)}. */
    static long encodedLength(char[] chars, int offset, int length) {
        long bytes = 0;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            char c = chars[i];
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(chars[i + 1])) {
                bytes += 4;
                i++;
            } else {
                bytes += 3; // a BMP char, or a lone surrogate replaced by U+FFFD
            }
        }
        return bytes;
    }

    /** Writes the chars as UTF-8 at {@code position}; returns the position after the last byte. */
    static long encode(char[] chars, int offset, int length, MemorySegment out, long position) {
        long p = position;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            char c = chars[i];
            if (c < 0x80) {
                out.set(TensorLayout.I8, p++, (byte) c);
            } else if (c < 0x800) {
                out.set(TensorLayout.I8, p++, (byte) (0xC0 | (c >> 6)));
                out.set(TensorLayout.I8, p++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(chars[i + 1])) {
                    int cp = Character.toCodePoint(c, chars[++i]);
                    out.set(TensorLayout.I8, p++, (byte) (0xF0 | (cp >> 18)));
                    out.set(TensorLayout.I8, p++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                    out.set(TensorLayout.I8, p++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                    out.set(TensorLayout.I8, p++, (byte) (0x80 | (cp & 0x3F)));
                } else {
                    p = writeThreeBytes(out, p, '\uFFFD');
                }
            } else {
                p = writeThreeBytes(out, p, c);
            }
        }
        return p;
    }

    private static long writeThreeBytes(MemorySegment out, long p, char c) {
        out.set(TensorLayout.I8, p, (byte) (0xE0 | (c >> 12)));
        out.set(TensorLayout.I8, p + 1, (byte) (0x80 | ((c >> 6) & 0x3F)));
        out.set(TensorLayout.I8, p + 2, (byte) (0x80 | (c & 0x3F)));
        return p + REPLACEMENT_BYTES;
    }
}
