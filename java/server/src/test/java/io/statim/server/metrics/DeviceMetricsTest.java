package io.statim.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceMetricsTest {
    private static final long SLAB_BYTES = 1 << 16;

    @Test
    void reportsLeasedReservedAndBudgetedBytesPerUse() {
        try (HostDevice device = new HostDevice(new HostDevice.Config(SLAB_BYTES, Map.of(MemoryUse.STAGING, 1024L), false))) {
            DeviceBuffer buffer = device.allocate(100, MemoryUse.STAGING);
            ScrapedText text = InferenceMetricsTest.scrape(new DeviceMetrics(List.of(device)));
            buffer.release();

            assertThat(text.value("statim_device_memory_used_bytes{device=\"host\",use=\"staging\"}")).isEqualTo(128);
            assertThat(text.value("statim_device_memory_used_bytes{device=\"host\",use=\"output\"}")).isZero();
            assertThat(text.value("statim_device_memory_budget_bytes{device=\"host\",use=\"staging\"}")).isEqualTo(1024);
            assertThat(text.hasLineStartingWith("statim_device_memory_budget_bytes{device=\"host\",use=\"output\"}")).isFalse();
            assertThat(text.value("statim_device_memory_reserved_bytes{device=\"host\"}")).isEqualTo(SLAB_BYTES);
            assertThat(text.value("statim_device_live_buffers{device=\"host\"}")).isEqualTo(1);
        }
    }
}
