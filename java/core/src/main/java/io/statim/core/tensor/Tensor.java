package io.statim.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named tensor: a datatype, a concrete shape and its bytes, little-endian and row-major, in a
 * {@link MemorySegment}. For {@link DataType#BYTES} the segment holds each element as a 4-byte
 * little-endian length followed by its bytes.
 *
 * <p>A tensor is a view: it does not own its memory. Whoever created the segment (a network buffer,
 * a {@code DeviceBuffer}) releases it, and documents when.
 */
public record Tensor(String name, DataType dataType, Shape shape, MemorySegment data) {

    /** Little-endian ints, unaligned: the layout of a BYTES element's length prefix. */
    public static final ValueLayout.OfInt LENGTH_PREFIX = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
    }

    public long elementCount() {
        return shape.elementCount();
    }

    /** Bytes in the segment. */
    public long byteSize() {
        return data.byteSize();
    }

    /**
     * The elements of a BYTES tensor as Java strings (UTF-8). Allocates; for tests, tokenizers and
     * backends that need strings.
     *
     * @throws IllegalStateException when the serialized elements do not match the element count
     */
    public List<String> strings() {
        if (dataType != DataType.BYTES) {
            throw new IllegalStateException(name + " is " + dataType + ", not BYTES");
        }
        List<byte[]> elements = bytesElements(data, elementCount());
        List<String> out = new ArrayList<>(elements.size());
        for (byte[] e : elements) {
            out.add(new String(e, StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Splits serialized BYTES elements. Returns {@code null}-free list of exactly {@code count}
     * elements, or throws when the serialization is truncated or has bytes left over.
     */
    public static List<byte[]> bytesElements(MemorySegment data, long count) {
        List<byte[]> out = new ArrayList<>((int) Math.min(count, 1 << 16));
        long offset = 0;
        long size = data.byteSize();
        for (long i = 0; i < count; i++) {
            if (offset + 4 > size) {
                throw new IllegalStateException("BYTES element " + i + " of " + count + " is missing its length prefix");
            }
            int len = data.get(LENGTH_PREFIX, offset);
            offset += 4;
            if (len < 0 || offset + len > size) {
                throw new IllegalStateException("BYTES element " + i + " of " + count + " claims " + Integer.toUnsignedString(len)
                        + " bytes but only " + (size - offset) + " remain");
            }
            out.add(data.asSlice(offset, len).toArray(ValueLayout.JAVA_BYTE));
            offset += len;
        }
        if (offset != size) {
            throw new IllegalStateException((size - offset) + " bytes follow the last of " + count + " BYTES elements");
        }
        return out;
    }

    /**
     * Checks that serialized BYTES data holds exactly {@code count} well-formed elements without
     * copying anything; returns an error message or {@code null} when valid.
     */
    public static String checkBytesElements(MemorySegment data, long count) {
        long offset = 0;
        long size = data.byteSize();
        for (long i = 0; i < count; i++) {
            if (offset + 4 > size) {
                return "BYTES element " + i + " of " + count + " is missing its 4-byte length prefix";
            }
            long len = Integer.toUnsignedLong(data.get(LENGTH_PREFIX, offset));
            offset += 4;
            if (offset + len > size) {
                return "BYTES element " + i + " of " + count + " claims " + len + " bytes but only " + (size - offset) + " remain";
            }
            offset += len;
        }
        if (offset != size) {
            return (size - offset) + " bytes follow the last of " + count + " BYTES elements";
        }
        return null;
    }

    /** Bytes needed to serialize these elements as BYTES. */
    public static long serializedSize(List<byte[]> elements) {
        long n = 0;
        for (byte[] e : elements) {
            n += 4 + e.length;
        }
        return n;
    }

    /** Writes elements as length-prefixed BYTES into {@code out}, which must be large enough. */
    public static void writeBytesElements(List<byte[]> elements, MemorySegment out) {
        long offset = 0;
        for (byte[] e : elements) {
            out.set(LENGTH_PREFIX, offset, e.length);
            MemorySegment.copy(e, 0, out, ValueLayout.JAVA_BYTE, offset + 4, e.length);
            offset += 4 + e.length;
        }
    }
}
