package io.statim.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HostDeviceTest {
    private final HostDevice device = LeakCheck.trackingHostDevice();

    @AfterEach
    void close() {
        device.close();
    }

    @Test
    void givesBuffersOfExactlyTheRequestedSizeAlignedToACacheLine() {
        DeviceBuffer a = device.allocate(100, MemoryUse.STAGING);
        DeviceBuffer b = device.allocate(3, MemoryUse.STAGING);
        assertThat(a.byteSize()).isEqualTo(100);
        assertThat(b.byteSize()).isEqualTo(3);
        assertThat(a.segment().address() % 64).isZero();
        assertThat(b.segment().address() % 64).isZero();
        a.release();
        b.release();
        LeakCheck.assertNoLeaks(device);
    }

    @Test
    void reusesReleasedMemoryInsteadOfReservingMore() {
        DeviceBuffer first = device.allocate(1000, MemoryUse.STAGING);
        long address = first.segment().address();
        first.release();
        long reserved = device.reservedBytes();
        DeviceBuffer second = device.allocate(900, MemoryUse.OUTPUT);
        assertThat(second.segment().address()).isEqualTo(address);
        assertThat(device.reservedBytes()).isEqualTo(reserved);
        second.release();
    }

    @Test
    void buffersDoNotOverlap() {
        List<DeviceBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            DeviceBuffer b = device.allocate(4096, MemoryUse.STAGING);
            b.segment().fill((byte) i);
            buffers.add(b);
        }
        for (int i = 0; i < 100; i++) {
            DeviceBuffer b = buffers.get(i);
            assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) i);
            assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) i);
            b.release();
        }
    }

    @Test
    void largeBuffersGetASlabOfTheirOwn() {
        DeviceBuffer big = device.allocate(3L << 20, MemoryUse.SESSION_CACHE);
        assertThat(big.byteSize()).isEqualTo(3L << 20);
        assertThat(device.usedBytes(MemoryUse.SESSION_CACHE)).isEqualTo(4L << 20);
        big.release();
        assertThat(device.usedBytes(MemoryUse.SESSION_CACHE)).isZero();
    }

    @Test
    void refusesAllocationsOverTheBudgetOfAUse() {
        try (HostDevice limited = new HostDevice(new HostDevice.Config(1 << 20, Map.of(MemoryUse.SESSION_CACHE, 1024L), false))) {
            DeviceBuffer a = limited.allocate(1024, MemoryUse.SESSION_CACHE);
            assertThat(limited.tryAllocate(1, MemoryUse.SESSION_CACHE)).isNull();
            assertThatThrownBy(() -> limited.allocate(1, MemoryUse.SESSION_CACHE))
                    .isInstanceOf(StatusException.class)
                    .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                    .hasMessageContaining("1024 of 1024 bytes");
            DeviceBuffer other = limited.allocate(4096, MemoryUse.STAGING);
            a.release();
            assertThat(limited.tryAllocate(1, MemoryUse.SESSION_CACHE)).isNotNull().satisfies(DeviceBuffer::release);
            other.release();
        }
    }

    @Test
    void namesHostMemoryWhenABudgetIsExhausted() {
        try (HostDevice limited = new HostDevice(new HostDevice.Config(1 << 20, Map.of(MemoryUse.OUTPUT, 0L), false))) {
            assertThatThrownBy(() -> limited.allocate(1, MemoryUse.OUTPUT))
                    .hasMessage("host memory budget for OUTPUT is exhausted: 0 of 0 bytes in use, 1 more requested");
        }
    }

    @Test
    void refusesToAllocateOnceClosedAndInvalidatesLeasedBuffers() {
        HostDevice closing = LeakCheck.trackingHostDevice();
        DeviceBuffer leased = closing.allocate(16, MemoryUse.STAGING);
        closing.close();
        assertThatThrownBy(() -> closing.allocate(1, MemoryUse.STAGING))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.UNAVAILABLE))
                .hasMessage("host device is closed");
        assertThatThrownBy(() -> leased.segment().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        leased.release();
    }

    @Test
    void buffersNameTheHostDeviceAndAreHostAccessible() {
        DeviceBuffer b = device.allocate(10, MemoryUse.STAGING);
        assertThat(b.device()).isSameAs(device);
        assertThat(b.hostAccessible()).isTrue();
        assertThat(b.segment().byteSize()).isEqualTo(10);
        b.release();
    }

    @Test
    void rejectsADoubleRelease() {
        DeviceBuffer b = device.allocate(10, MemoryUse.STAGING);
        b.release();
        assertThatThrownBy(b::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
    }

    @Test
    void leakReportNamesWhereAnUnreleasedBufferWasAllocated() {
        DeviceBuffer b = device.allocate(10, MemoryUse.OUTPUT);
        assertThat(device.leakReport()).singleElement().asString()
                .contains("10 bytes for OUTPUT").contains("leakReportNamesWhereAnUnreleasedBufferWasAllocated");
        assertThatThrownBy(() -> LeakCheck.assertNoLeaks(device)).isInstanceOf(AssertionError.class);
        b.release();
        LeakCheck.assertNoLeaks(device);
    }

    @Test
    void survivesConcurrentAllocationAndReleaseWithoutLosingBuffers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        DeviceBuffer b = device.allocate(64L << ((i + seed) % 8), MemoryUse.STAGING);
                        b.segment().set(ValueLayout.JAVA_INT, 0, i);
                        assertThat(b.segment().get(ValueLayout.JAVA_INT, 0)).isEqualTo(i);
                        b.release();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(device.liveBuffers()).isZero();
        assertThat(device.usedBytes(MemoryUse.STAGING)).isZero();
        LeakCheck.assertNoLeaks(device);
    }
}
