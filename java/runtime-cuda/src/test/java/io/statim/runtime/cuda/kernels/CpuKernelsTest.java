package io.statim.runtime.cuda.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class CpuKernelsTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    @Test
    void packsRaggedRowsIntoAPaddedBatchAndBack() {
        try (Arena arena = Arena.ofConfined()) {
            // rows of 2, 0 and 3 INT32 items, each item 2 wide: [[1,2],[3,4]], [], [[5,6],[7,8],[9,10]]
            MemorySegment src = arena.allocateFrom(I32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            long[] offsets = {0, 2, 2};
            int[] lengths = {2, 0, 3};
            MemorySegment padded = arena.allocate(3L * 3 * 2 * 4);
            CpuKernels.packPadded(padded, src, offsets, lengths, 3, 2, 4, -1L);
            assertThat(padded.toArray(I32)).containsExactly(
                    1, 2, 3, 4, -1, -1,
                    -1, -1, -1, -1, -1, -1,
                    5, 6, 7, 8, 9, 10);
            MemorySegment back = arena.allocate(src.byteSize());
            CpuKernels.unpackPadded(back, padded, offsets, lengths, 3, 2, 4);
            assertThat(back.toArray(I32)).containsExactly(src.toArray(I32));
        }
    }

    @Test
    void padsWithTheLowBytesOfThePadValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocateFrom(U16, (short) 7);
            MemorySegment padded = arena.allocate(3 * 2);
            CpuKernels.packPadded(padded, src, new long[] {0}, new int[] {1}, 3, 1, 2, 0x1234_5678L);
            assertThat(padded.toArray(U16)).containsExactly((short) 7, (short) 0x5678, (short) 0x5678);
        }
    }

    @Test
    void cutsRowsLongerThanTheBatch() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 1, (byte) 2, (byte) 3);
            MemorySegment padded = arena.allocate(2);
            CpuKernels.packPadded(padded, src, new long[] {0}, new int[] {3}, 2, 1, 1, 0);
            assertThat(padded.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2);
        }
    }

    @Test
    void roundTripsEveryHalfPrecisionValueThroughFp32() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(65536L * 2);
            for (int i = 0; i < 65536; i++) {
                halves.setAtIndex(U16, i, (short) i);
            }
            MemorySegment floats = arena.allocate(65536L * 4);
            MemorySegment back = arena.allocate(65536L * 2);
            CpuKernels.castF16ToF32(floats, halves, 65536);
            CpuKernels.castF32ToF16(back, floats, 65536);
            for (int i = 0; i < 65536; i++) {
                float f = floats.getAtIndex(F32, i);
                if (!Float.isNaN(f)) {
                    assertThat(back.getAtIndex(U16, i)).as("half %04x", i).isEqualTo((short) i);
                }
            }
        }
    }

    @Test
    void roundsFp32ToFp16ToNearestEven() {
        // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties go to the even 1.
        assertThat(fp16(1.0f + 0x1p-11f)).isEqualTo((short) 0x3c00);
        assertThat(fp16(1.0f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
        assertThat(fp16(65520f)).isEqualTo((short) 0x7c00);
        assertThat(fp16(65519f)).isEqualTo((short) 0x7bff);
        assertThat(fp16(0x1p-25f)).isEqualTo((short) 0);
        assertThat(fp16(0x1.8p-25f)).isEqualTo((short) 1);
    }

    @Test
    void roundsFp32ToBf16ToNearestEvenAndKeepsNaN() {
        assertThat(CpuKernels.floatToBfloat16(1.0f)).isEqualTo((short) 0x3f80);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1); just above rounds up.
        assertThat(CpuKernels.floatToBfloat16(1.0f + 0x1p-8f)).isEqualTo((short) 0x3f80);
        assertThat(CpuKernels.floatToBfloat16(Math.nextUp(1.0f + 0x1p-8f))).isEqualTo((short) 0x3f81);
        assertThat(CpuKernels.floatToBfloat16(1.0f + 3 * 0x1p-8f)).isEqualTo((short) 0x3f82);
        assertThat(CpuKernels.floatToBfloat16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80);
        assertThat(CpuKernels.floatToBfloat16(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(Float.isNaN(CpuKernels.bfloat16ToFloat(CpuKernels.floatToBfloat16(Float.intBitsToFloat(0x7f800001))))).isTrue();
        assertThat(CpuKernels.bfloat16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
    }

    @Test
    void gathersSlotRowsAndZerosForSlotsOutOfRange() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocateFrom(I32, 10, 11, 20, 21, 30, 31);
            MemorySegment dst = arena.allocate(4L * 2 * 4);
            dst.fill((byte) 0x55);
            CpuKernels.gatherRows(dst, pool, new long[] {2, 0, -1, 3}, 3, 8);
            assertThat(dst.toArray(I32)).containsExactly(30, 31, 10, 11, 0, 0, 0, 0);
        }
    }

    private static short fp16(float f) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(2);
            CpuKernels.castF32ToF16(out, arena.allocateFrom(F32, f), 1);
            return out.get(U16, 0);
        }
    }
}
