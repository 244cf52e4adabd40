package io.statim.runtime.cuda.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Java references of Statim's kernels (native/include/statim_kernels.h), with the same meaning
 * element for element: what the CPU path runs, and what the native builds are tested against. FP16
 * conversions are the JDK's ({@link Float#floatToFloat16}, round to nearest even), an implementation
 * independent of the native one; BF16 is rounded to nearest even here.
 *
 * <p>Stateless; any thread. Segments are host memory, little-endian.
 */
public final class CpuKernels {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private CpuKernels() {
    }

    /**
     * Ragged rows to a padded batch: row r has {@code lengths[r]} items from item {@code offsets[r]} of
     * {@code src}; an item is {@code width} elements of {@code elemBytes} bytes. {@code dst} is
     * {@code [rows, maxLen, width]}; positions past a row's length hold the low {@code elemBytes} bytes of
     * {@code padBits}. A length above {@code maxLen} is cut to it.
     */
    public static void packPadded(MemorySegment dst, MemorySegment src, long[] offsets, int[] lengths, int maxLen, int width,
            int elemBytes, long padBits) {
        checkPadded(offsets, lengths, maxLen, width, elemBytes);
        for (int r = 0; r < lengths.length; r++) {
            int copied = Math.clamp(lengths[r], 0, maxLen);
            long rowBytes = (long) maxLen * width * elemBytes;
            long itemBytes = (long) width * elemBytes;
            MemorySegment.copy(src, offsets[r] * itemBytes, dst, r * rowBytes, copied * itemBytes);
            for (long e = (long) copied * width; e < (long) maxLen * width; e++) {
                storePad(dst, r * rowBytes + e * elemBytes, padBits, elemBytes);
            }
        }
    }

    /** The inverse of {@link #packPadded}: each row's first {@code lengths[r]} items back to item {@code offsets[r]}. */
    public static void unpackPadded(MemorySegment dst, MemorySegment src, long[] offsets, int[] lengths, int maxLen, int width,
            int elemBytes) {
        checkPadded(offsets, lengths, maxLen, width, elemBytes);
        long itemBytes = (long) width * elemBytes;
        for (int r = 0; r < lengths.length; r++) {
            int copied = Math.clamp(lengths[r], 0, maxLen);
            MemorySegment.copy(src, r * maxLen * itemBytes, dst, offsets[r] * itemBytes, copied * itemBytes);
        }
    }

    /** FP32 to FP16, round to nearest even, {@code n} values. */
    public static void castF32ToF16(MemorySegment dst, MemorySegment src, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(U16, i * 2, Float.floatToFloat16(src.get(F32, i * 4)));
        }
    }

    /** FP16 to FP32, exact. */
    public static void castF16ToF32(MemorySegment dst, MemorySegment src, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(F32, i * 4, Float.float16ToFloat(src.get(U16, i * 2)));
        }
    }

    /** FP32 to BF16, round to nearest even. */
    public static void castF32ToBf16(MemorySegment dst, MemorySegment src, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(U16, i * 2, floatToBfloat16(src.get(F32, i * 4)));
        }
    }

    /** BF16 to FP32, exact. */
    public static void castBf16ToF32(MemorySegment dst, MemorySegment src, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(F32, i * 4, bfloat16ToFloat(src.get(U16, i * 2)));
        }
    }

    /** One FP32 value as BF16 bits, rounded to nearest even; NaN stays a quiet NaN. */
    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    /** BF16 bits as FP32, exact. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * LoRA slot rows: row r of {@code dst} is row {@code slots[r]} of {@code pool} ({@code rowBytes}
     * bytes each), or zeros when the slot is outside {@code [0, slotCount)}.
     */
    public static void gatherRows(MemorySegment dst, MemorySegment pool, long[] slots, long slotCount, long rowBytes) {
        if (rowBytes < 1 || slotCount < 0) {
            throw new IllegalArgumentException("rowBytes=" + rowBytes + " must be >= 1 and slotCount=" + slotCount + " >= 0");
        }
        for (int r = 0; r < slots.length; r++) {
            long slot = slots[r];
            if (slot < 0 || slot >= slotCount) {
                dst.asSlice(r * rowBytes, rowBytes).fill((byte) 0);
            } else {
                MemorySegment.copy(pool, slot * rowBytes, dst, r * rowBytes, rowBytes);
            }
        }
    }

    private static void checkPadded(long[] offsets, int[] lengths, int maxLen, int width, int elemBytes) {
        if (offsets.length != lengths.length || maxLen < 0 || width < 1 || Integer.bitCount(elemBytes) != 1 || elemBytes > 8) {
            throw new IllegalArgumentException("offsets (" + offsets.length + ") and lengths (" + lengths.length + ") must match, maxLen="
                    + maxLen + " must be >= 0, width=" + width + " >= 1, elemBytes=" + elemBytes + " 1, 2, 4 or 8");
        }
    }

    private static void storePad(MemorySegment dst, long offset, long padBits, int elemBytes) {
        for (int b = 0; b < elemBytes; b++) {
            dst.set(ValueLayout.JAVA_BYTE, offset + b, (byte) (padBits >>> (8 * b)));
        }
    }
}
