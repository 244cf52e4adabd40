package io.statim.runtime.cuda.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host build of statim_kernels through the FFM bindings, against the Java references: checks the
 * downcall signatures and the element code shared with the CUDA build on any machine where CMake
 * built native/ (CI does). Skipped, with the reason, where it was not built.
 */
class HostKernelLibraryTest {
    private static KernelLibrary library;
    private final KernelCases cases = new KernelCases();

    @BeforeAll
    static void load() {
        KernelLibrary.Found found = KernelLibrary.find(KernelLibrary.Build.HOST);
        Assumptions.assumeTrue(found.present(), () -> "host kernel library not available: " + found.reason());
        library = found.library();
    }

    @Test
    void packAndUnpackMatchTheReference() {
        for (int elemBytes : new int[] {1, 2, 4, 8}) {
            try (Arena arena = Arena.ofConfined()) {
                long itemBytes = (long) KernelCases.WIDTH * elemBytes;
                MemorySegment src = KernelCases.bytes(arena, cases.items * itemBytes, elemBytes);
                long paddedBytes = (long) KernelCases.ROWS * KernelCases.MAX_LEN * itemBytes;
                MemorySegment expected = arena.allocate(paddedBytes, 8);
                MemorySegment actual = arena.allocate(paddedBytes, 8);
                long pad = 0x0102_0304_0506_0708L;
                CpuKernels.packPadded(expected, src, cases.offsets, cases.lengths, KernelCases.MAX_LEN, KernelCases.WIDTH, elemBytes, pad);
                library.packPadded(actual, src, arena.allocateFrom(ValueLayout.JAVA_LONG, cases.offsets),
                        arena.allocateFrom(ValueLayout.JAVA_INT, cases.lengths), KernelCases.ROWS, KernelCases.MAX_LEN, KernelCases.WIDTH,
                        elemBytes, pad, MemorySegment.NULL);
                assertThat(actual.mismatch(expected)).as("pack, %d-byte elements", elemBytes).isEqualTo(-1);
                MemorySegment back = arena.allocate(src.byteSize(), 8);
                library.unpackPadded(back, actual, arena.allocateFrom(ValueLayout.JAVA_LONG, cases.offsets),
                        arena.allocateFrom(ValueLayout.JAVA_INT, cases.lengths), KernelCases.ROWS, KernelCases.MAX_LEN, KernelCases.WIDTH,
                        elemBytes, MemorySegment.NULL);
                assertThat(back.mismatch(src)).as("unpack, %d-byte elements", elemBytes).isEqualTo(-1);
            }
        }
    }

    @Test
    void fp16CastsMatchTheJdk() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = KernelCases.hardFloats(arena);
            long n = KernelCases.CAST_VALUES;
            MemorySegment expected = arena.allocate(n * 2, 16);
            MemorySegment actual = arena.allocate(n * 2, 16);
            CpuKernels.castF32ToF16(expected, floats, n);
            library.castF32ToF16(actual, floats, n, MemorySegment.NULL);
            assertSameHalves(actual, expected, floats, n);

            MemorySegment allHalves = arena.allocate(65536L * 2, 16);
            for (int i = 0; i < 65536; i++) {
                allHalves.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) i);
            }
            MemorySegment expectedFloats = arena.allocate(65536L * 4, 16);
            MemorySegment actualFloats = arena.allocate(65536L * 4, 16);
            CpuKernels.castF16ToF32(expectedFloats, allHalves, 65536);
            library.castF16ToF32(actualFloats, allHalves, 65536, MemorySegment.NULL);
            assertSameFloats(actualFloats, expectedFloats, 65536);
        }
    }

    @Test
    void bf16CastsMatchTheReference() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = KernelCases.hardFloats(arena);
            long n = KernelCases.CAST_VALUES;
            MemorySegment expected = arena.allocate(n * 2, 16);
            MemorySegment actual = arena.allocate(n * 2, 16);
            CpuKernels.castF32ToBf16(expected, floats, n);
            library.castF32ToBf16(actual, floats, n, MemorySegment.NULL);
            assertThat(actual.mismatch(expected)).isEqualTo(-1);
            MemorySegment expectedFloats = arena.allocate(n * 4, 16);
            MemorySegment actualFloats = arena.allocate(n * 4, 16);
            CpuKernels.castBf16ToF32(expectedFloats, expected, n);
            library.castBf16ToF32(actualFloats, expected, n, MemorySegment.NULL);
            assertThat(actualFloats.mismatch(expectedFloats)).isEqualTo(-1);
        }
    }

    @Test
    void gatherMatchesTheReferenceForWordAndByteRows() {
        for (long rowBytes : new long[] {64, 13}) {
            try (Arena arena = Arena.ofConfined()) {
                long slotCount = 7;
                MemorySegment pool = KernelCases.bytes(arena, slotCount * rowBytes, rowBytes);
                MemorySegment expected = arena.allocate(KernelCases.ROWS * rowBytes, 16);
                MemorySegment actual = arena.allocate(KernelCases.ROWS * rowBytes, 16);
                CpuKernels.gatherRows(expected, pool, cases.slots, slotCount, rowBytes);
                library.gatherRows(actual, pool, arena.allocateFrom(ValueLayout.JAVA_LONG, cases.slots), KernelCases.ROWS, slotCount, rowBytes,
                        MemorySegment.NULL);
                assertThat(actual.mismatch(expected)).as("rows of %d bytes", rowBytes).isEqualTo(-1);
            }
        }
    }

    @Test
    void aBadArgumentIsAStatusNamingTheKernelAndTheError() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment any = arena.allocate(64);
            assertThatThrownBy(() -> library.packPadded(any, any, any, any, 1, 1, 1, 3, 0, MemorySegment.NULL))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INTERNAL))
                    .hasMessageContaining("statim_pack_padded").hasMessageContaining("cudaErrorInvalidValue (1)");
            assertThatThrownBy(() -> library.castF32ToF16(any, any, -1, MemorySegment.NULL)).hasMessageContaining("cudaErrorInvalidValue");
        }
    }

    static void assertSameHalves(MemorySegment actual, MemorySegment expected, MemorySegment floats, long n) {
        for (long i = 0; i < n; i++) {
            short a = actual.getAtIndex(ValueLayout.JAVA_SHORT, i);
            short e = expected.getAtIndex(ValueLayout.JAVA_SHORT, i);
            float f = floats.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Float.float16ToFloat(a))).as("NaN at %d", i).isTrue();
            } else {
                assertThat(a).as("fp16 of %s (bits %08x)", f, Float.floatToRawIntBits(f)).isEqualTo(e);
            }
        }
    }

    static void assertSameFloats(MemorySegment actual, MemorySegment expected, long n) {
        for (long i = 0; i < n; i++) {
            float a = actual.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float e = expected.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (Float.isNaN(e)) {
                assertThat(Float.isNaN(a)).as("NaN at %d", i).isTrue();
            } else {
                assertThat(Float.floatToRawIntBits(a)).as("value %d", i).isEqualTo(Float.floatToRawIntBits(e));
            }
        }
    }
}
