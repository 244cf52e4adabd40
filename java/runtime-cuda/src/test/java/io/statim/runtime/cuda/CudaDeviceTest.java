package io.statim.runtime.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Needs a GPU: skipped with the reason elsewhere. */
class CudaDeviceTest {
    @BeforeEach
    void gpu() {
        GpuTests.assumeCuda();
    }

    @Test
    void copiesToTheGpuAndBackThroughPinnedMemory() {
        try (CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0)); CudaStream stream = device.newStream()) {
            DeviceBuffer in = device.pinned().allocate(4096, MemoryUse.STAGING);
            DeviceBuffer out = device.pinned().allocate(4096, MemoryUse.OUTPUT);
            DeviceBuffer onGpu = device.allocate(4096, MemoryUse.STAGING);
            for (int i = 0; i < 1024; i++) {
                in.segment().setAtIndex(ValueLayout.JAVA_INT, i, i * 7);
            }
            assertThat(onGpu.hostAccessible()).isFalse();
            assertThat(in.hostAccessible()).isTrue();
            stream.copyToDevice(onGpu, 0, in.segment(), 4096);
            stream.copyToHost(out.segment(), onGpu, 0, 4096);
            stream.synchronize();
            assertThat(out.segment().mismatch(in.segment())).isEqualTo(-1);
            in.release();
            out.release();
            onGpu.release();
            LeakCheck.assertNoLeaks(device);
        }
    }

    @Test
    void timesWorkWithEvents() {
        try (CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0)); CudaStream stream = device.newStream();
                CudaEvent start = stream.newEvent(true); CudaEvent end = stream.newEvent(true)) {
            DeviceBuffer buffer = device.allocate(64 << 20, MemoryUse.STAGING);
            stream.record(start);
            stream.fill(buffer, 0, buffer.byteSize());
            stream.record(end);
            end.synchronize();
            assertThat(end.nanosSince(start)).isPositive();
            buffer.release();
        }
    }

    @Test
    void aDeviceBudgetRefusesWithResourceExhausted() {
        CudaDevice.Config config = new CudaDevice.Config(0, 1 << 20, Map.of(MemoryUse.SESSION_CACHE, 1L << 20), 1 << 20, Map.of(), true);
        try (CudaDevice device = CudaDevice.open(config)) {
            DeviceBuffer held = device.allocate(1 << 20, MemoryUse.SESSION_CACHE);
            assertThatThrownBy(() -> device.allocate(1, MemoryUse.SESSION_CACHE))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            held.release();
        }
    }

    @Test
    void anImpossibleAllocationNamesTheCudaError() {
        try (CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0))) {
            assertThatThrownBy(() -> device.allocate(1L << 50, MemoryUse.STAGING))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                    .hasMessageContaining("cudaMalloc").hasMessageContaining("cudaErrorMemoryAllocation");
            assertThat(device.usedBytes(MemoryUse.STAGING)).isZero();
        }
    }
}
