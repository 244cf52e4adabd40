package io.statim.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlabPoolTest {
    /** Hands out addresses from a counter, as cudaMalloc would, and remembers what it gave. */
    static class FakeAllocator implements SlabAllocator {
        final List<long[]> reserved = new ArrayList<>();
        final List<Long> freed = new ArrayList<>();
        long next = 1L << 40;
        long limitBytes = Long.MAX_VALUE;
        long totalBytes;

        @Override
        public MemorySegment reserve(long bytes, long alignmentBytes) {
            if (totalBytes + bytes > limitBytes) {
                throw new StatusException(Code.RESOURCE_EXHAUSTED, "cudaMalloc(" + bytes + " bytes) failed: cudaErrorMemoryAllocation (2)");
            }
            long address = next;
            next += bytes;
            totalBytes += bytes;
            reserved.add(new long[] {address, bytes});
            return MemorySegment.ofAddress(address);
        }

        @Override
        public void free(MemorySegment slab, long bytes) {
            freed.add(slab.address());
        }

        @Override
        public String describe() {
            return "fake device memory";
        }
    }

    private static SlabPool devicePool(FakeAllocator allocator, Map<MemoryUse, Long> budgets) {
        return new SlabPool("cuda:0", new SlabPool.Config(1 << 20, budgets, false, true, 256, 1L << 61), allocator);
    }

    @Test
    void roundsRequestsUpToPowerOfTwoClassesOfAtLeastTheMinimumClass() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of())) {
            assertThat(pool.classBytes(0)).isEqualTo(256);
            assertThat(pool.classBytes(256)).isEqualTo(256);
            assertThat(pool.classBytes(257)).isEqualTo(512);
            assertThat(pool.classBytes(1 << 20)).isEqualTo(1 << 20);
            assertThat(pool.classBytes((1 << 20) + 1)).isEqualTo(2 << 20);
            assertThat(pool.classBytes(1L << 61)).isEqualTo(1L << 61);
        }
    }

    @Test
    void refusesBuffersLargerThanTheConfiguredMaximum() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of())) {
            assertThatThrownBy(() -> pool.tryAllocate((1L << 61) + 1, MemoryUse.STAGING))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be between 0 and " + (1L << 61));
        }
    }

    @Test
    void rejectsAMinimumClassBelowACacheLineOrNotAPowerOfTwo() {
        assertThatThrownBy(() -> new SlabPool.Config(1 << 20, Map.of(), false, false, 32, 1L << 61))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minClassBytes=32");
        assertThatThrownBy(() -> new SlabPool.Config(1 << 20, Map.of(), false, false, 384, 1L << 61))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minClassBytes=384");
    }

    @Test
    void rejectsAMaximumBufferThatIsNotAPowerOfTwoUpTo2To62() {
        assertThatThrownBy(() -> new SlabPool.Config(1 << 20, Map.of(), false, false, 256, 3L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBufferBytes=" + (3L << 20));
        assertThatThrownBy(() -> new SlabPool.Config(1 << 20, Map.of(), false, false, 256, 1L << 63))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBufferBytes=");
    }

    @Test
    void asksTheAllocatorForSlabsAlignedToTheMinimumClass() {
        List<Long> alignments = new ArrayList<>();
        FakeAllocator allocator = new FakeAllocator() {
            @Override
            public MemorySegment reserve(long bytes, long alignmentBytes) {
                alignments.add(alignmentBytes);
                return super.reserve(bytes, alignmentBytes);
            }
        };
        try (SlabPool pool = devicePool(allocator, Map.of())) {
            pool.allocate(1, MemoryUse.STAGING).release();
        }
        assertThat(alignments).containsExactly(256L);
    }

    @Test
    void carvesBuffersFromOneSlabAt256ByteAlignment() {
        FakeAllocator allocator = new FakeAllocator();
        try (SlabPool pool = devicePool(allocator, Map.of())) {
            DeviceBuffer a = pool.allocate(100, MemoryUse.STAGING);
            DeviceBuffer b = pool.allocate(1000, MemoryUse.OUTPUT);
            assertThat(allocator.reserved).hasSize(1);
            assertThat(a.segment().address() % 256).isZero();
            assertThat(b.segment().address() % 256).isZero();
            assertThat(b.segment().address()).isNotEqualTo(a.segment().address());
            assertThat(pool.reservedBytes()).isEqualTo(1 << 20);
            a.release();
            b.release();
            LeakCheck.assertNoLeaks(pool);
        }
    }

    @Test
    void deviceBuffersAreZeroLengthSegmentsCarryingTheAddress() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of())) {
            DeviceBuffer buffer = pool.allocate(1000, MemoryUse.STAGING);
            assertThat(buffer.hostAccessible()).isFalse();
            assertThat(buffer.byteSize()).isEqualTo(1000);
            assertThat(buffer.segment().byteSize()).isZero();
            assertThatThrownBy(() -> buffer.segment().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(buffer.device()).isSameAs(pool);
            buffer.release();
        }
    }

    @Test
    void reusesAReleasedBufferOfTheSameClass() {
        FakeAllocator allocator = new FakeAllocator();
        try (SlabPool pool = devicePool(allocator, Map.of())) {
            DeviceBuffer first = pool.allocate(3000, MemoryUse.STAGING);
            long address = first.segment().address();
            first.release();
            DeviceBuffer second = pool.allocate(4096, MemoryUse.OUTPUT);
            assertThat(second.segment().address()).isEqualTo(address);
            assertThat(second.byteSize()).isEqualTo(4096);
            second.release();
        }
    }

    @Test
    void givesLargeBuffersASlabOfTheirOwn() {
        FakeAllocator allocator = new FakeAllocator();
        try (SlabPool pool = devicePool(allocator, Map.of())) {
            DeviceBuffer big = pool.allocate(3 << 20, MemoryUse.SESSION_CACHE);
            assertThat(allocator.reserved).hasSize(1);
            assertThat(allocator.reserved.getFirst()[1]).isEqualTo(4 << 20);
            big.release();
        }
    }

    @Test
    void refusesBeyondTheBudgetOfAUseAndChargesTheSizeClass() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of(MemoryUse.SESSION_CACHE, 1024L))) {
            DeviceBuffer a = pool.allocate(600, MemoryUse.SESSION_CACHE);
            assertThat(pool.usedBytes(MemoryUse.SESSION_CACHE)).isEqualTo(1024);
            assertThat(pool.tryAllocate(1, MemoryUse.SESSION_CACHE)).isNull();
            assertThatThrownBy(() -> pool.allocate(1, MemoryUse.SESSION_CACHE))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status().code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                    .hasMessageContaining("SESSION_CACHE").hasMessageContaining("1024 of 1024");
            DeviceBuffer other = pool.allocate(1 << 16, MemoryUse.STAGING);
            a.release();
            other.release();
            assertThat(pool.usedBytes(MemoryUse.SESSION_CACHE)).isZero();
        }
    }

    @Test
    void restoresTheBudgetWhenTheAllocatorFails() {
        FakeAllocator allocator = new FakeAllocator();
        allocator.limitBytes = 1 << 20;
        try (SlabPool pool = devicePool(allocator, Map.of())) {
            DeviceBuffer first = pool.allocate(1 << 19, MemoryUse.STAGING);
            assertThatThrownBy(() -> pool.allocate(4 << 20, MemoryUse.STAGING))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status().code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                    .hasMessageContaining("cudaErrorMemoryAllocation");
            assertThat(pool.usedBytes(MemoryUse.STAGING)).isEqualTo(1 << 19);
            assertThat(pool.liveBuffers()).isEqualTo(1);
            first.release();
        }
    }

    @Test
    void reportsWhereALeakedBufferWasAllocated() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of())) {
            DeviceBuffer leaked = pool.allocate(10, MemoryUse.OUTPUT);
            assertThat(pool.leakReport()).singleElement().asString()
                    .contains("10 bytes for OUTPUT").contains("reportsWhereALeakedBufferWasAllocated");
            leaked.release();
            assertThat(pool.leakReport()).isEmpty();
        }
    }

    @Test
    void refusesASecondRelease() {
        try (SlabPool pool = devicePool(new FakeAllocator(), Map.of())) {
            DeviceBuffer buffer = pool.allocate(10, MemoryUse.OUTPUT);
            buffer.release();
            assertThatThrownBy(buffer::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
        }
    }

    @Test
    void freesEverySlabOnCloseAndRefusesAfterwards() {
        FakeAllocator allocator = new FakeAllocator();
        SlabPool pool = devicePool(allocator, Map.of());
        pool.allocate(100, MemoryUse.STAGING).release();
        pool.allocate(8 << 20, MemoryUse.STAGING).release();
        pool.close();
        pool.close();
        assertThat(allocator.freed).hasSize(2).containsExactlyInAnyOrder(allocator.reserved.get(0)[0], allocator.reserved.get(1)[0]);
        assertThatThrownBy(() -> pool.allocate(1, MemoryUse.STAGING))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status().code()).isEqualTo(Code.UNAVAILABLE));
    }

    @Test
    void hostAccessiblePoolsGiveSegmentsOfTheSizeAskedForOverTheSlab() {
        try (Arena arena = Arena.ofShared()) {
            List<MemorySegment> slabs = new ArrayList<>();
            SlabAllocator host = new SlabAllocator() {
                @Override
                public MemorySegment reserve(long bytes, long alignmentBytes) {
                    MemorySegment slab = arena.allocate(bytes, alignmentBytes);
                    slabs.add(slab);
                    return slab;
                }

                @Override
                public void free(MemorySegment slab, long bytes) {
                }

                @Override
                public String describe() {
                    return "arena memory standing in for pinned memory";
                }
            };
            try (SlabPool pool = new SlabPool("cuda:0/pinned", new SlabPool.Config(1 << 16, Map.of(), true, true, 256, 1L << 61), host)) {
                DeviceBuffer buffer = pool.allocate(12, MemoryUse.STAGING);
                assertThat(buffer.hostAccessible()).isTrue();
                MemorySegment segment = buffer.segment();
                assertThat(segment.byteSize()).isEqualTo(12);
                segment.set(ValueLayout.JAVA_INT, 8, 42);
                MemorySegment slab = slabs.getFirst();
                assertThat(slab.get(ValueLayout.JAVA_INT, segment.address() - slab.address() + 8)).isEqualTo(42);
                buffer.release();
            }
        }
    }
}
