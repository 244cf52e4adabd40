package io.statim.runtime.cuda.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Inputs shared by the tests that compare a native build with {@link CpuKernels}: host segments
 * filled from a fixed seed, including the float values where rounding is hardest.
 */
final class KernelCases {
    static final int ROWS = 37;
    static final int MAX_LEN = 19;
    static final int WIDTH = 3;
    static final long CAST_VALUES = 1 << 16;

    final long[] offsets = new long[ROWS];
    final int[] lengths = new int[ROWS];
    final long items;
    final long[] slots = new long[ROWS];

    KernelCases() {
        Random random = new Random(42);
        long offset = 0;
        for (int r = 0; r < ROWS; r++) {
            lengths[r] = r == 5 ? 0 : r == 6 ? MAX_LEN : random.nextInt(MAX_LEN + 1);
            offsets[r] = offset;
            offset += lengths[r];
            slots[r] = random.nextInt(9) - 1;
        }
        items = offset;
    }

    /** Random bytes. */
    static MemorySegment bytes(Arena arena, long n, long seed) {
        byte[] b = new byte[(int) n];
        new Random(seed).nextBytes(b);
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, b);
    }

    /** Floats that exercise rounding: every half-precision boundary region, subnormals, specials, and random bits. */
    static MemorySegment hardFloats(Arena arena) {
        MemorySegment out = arena.allocate(CAST_VALUES * 4, 16);
        Random random = new Random(7);
        float[] specials = {0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e-8f, 5.9604645e-8f, 2.9802322e-8f, 6.1035156e-5f,
                Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f + 0x1p-11f,
                1f + 0x1p-8f, 3.3895314e38f};
        for (int i = 0; i < CAST_VALUES; i++) {
            float f;
            if (i < specials.length) {
                f = specials[i];
            } else if (i % 3 == 0) {
                // Near a half-precision value: exactly halfway, or one float either side.
                float half = Float.float16ToFloat((short) random.nextInt(0x7c00));
                float next = Float.float16ToFloat((short) (Float.floatToFloat16(half) + 1));
                float mid = (half + next) / 2;
                f = switch (random.nextInt(3)) {
                    case 0 -> mid;
                    case 1 -> Math.nextUp(mid);
                    default -> Math.nextDown(mid);
                };
            } else {
                f = Float.intBitsToFloat(random.nextInt());
            }
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, f);
        }
        return out;
    }
}
