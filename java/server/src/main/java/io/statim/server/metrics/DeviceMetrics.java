package io.statim.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.statim.core.device.Device;
import io.statim.core.device.MemoryUse;
import io.statim.server.metrics.Families.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gauges of the devices' memory, labelled {@code device} (its name, e.g. {@code host}) and, per
 * use, {@code use} ({@code staging}, {@code output}, {@code session_cache}, {@code lora_slots}).
 * Read from the devices' own counters at scrape time.
 *
 * <p>Thread safety: {@link #collect} may run on any thread, also concurrently.
 */
public final class DeviceMetrics implements MultiCollector {
    private final List<Device> devices;

    public DeviceMetrics(List<? extends Device> devices) {
        this.devices = List.copyOf(devices);
    }

    @Override
    public MetricSnapshots collect() {
        List<Point> used = new ArrayList<>();
        List<Point> budget = new ArrayList<>();
        List<Point> reserved = new ArrayList<>();
        List<Point> live = new ArrayList<>();
        for (Device d : devices) {
            Labels device = Labels.of("device", d.name());
            for (MemoryUse use : MemoryUse.values()) {
                Labels labels = device.add("use", use.name().toLowerCase(Locale.ROOT));
                used.add(new Point(labels, d.usedBytes(use)));
                long limit = d.budgetBytes(use);
                if (limit != Long.MAX_VALUE) {
                    budget.add(new Point(labels, limit));
                }
            }
            reserved.add(new Point(device, d.reservedBytes()));
            live.add(new Point(device, d.liveBuffers()));
        }
        return MetricSnapshots.of(
                Families.gauge("statim_device_memory_used_bytes",
                        "Device memory leased now, by use (rounded up to pool size classes); session_cache is the memory"
                                + " that sessions hold: cached inputs and implicit state.", used),
                Families.gauge("statim_device_memory_budget_bytes", "Byte budget of a use; absent when the use has no limit.", budget),
                Families.gauge("statim_device_memory_reserved_bytes", "Device memory reserved for the pools, leased or free.", reserved),
                Families.gauge("statim_device_live_buffers", "Buffers leased and not yet released.", live));
    }
}
