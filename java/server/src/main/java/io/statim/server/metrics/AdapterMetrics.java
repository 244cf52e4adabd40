package io.statim.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.lora.AdapterStatistics;
import io.statim.server.metrics.Families.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The LoRA adapters of every served model version that has them, labelled {@code model},
 * {@code version} and, per tier, {@code tier} ({@code host}: off-heap slot images; {@code device}: the
 * slots the graph reads): hits, misses, loads, evictions and load time per tier, bytes held and the
 * tier's budget, adapters registered, slots occupied, pinned and in use, requests put back in the queue to
 * wait for a slot, and requests refused for want of a slot or because their adapter failed to load. Read from {@code AdapterRegistry.statistics()} at
 * scrape time.
 *
 * <p>Thread safety: {@link #collect} may run on any thread, also concurrently.
 */
public final class AdapterMetrics implements MultiCollector {
    private final Supplier<List<ServedModel>> served;

    public AdapterMetrics(Supplier<List<ServedModel>> served) {
        this.served = served;
    }

    @Override
    public MetricSnapshots collect() {
        List<Point> hits = new ArrayList<>();
        List<Point> misses = new ArrayList<>();
        List<Point> loads = new ArrayList<>();
        List<Point> evictions = new ArrayList<>();
        List<Point> loadSeconds = new ArrayList<>();
        List<Point> bytes = new ArrayList<>();
        List<Point> budget = new ArrayList<>();
        List<Point> registered = new ArrayList<>();
        List<Point> slots = new ArrayList<>();
        List<Point> waits = new ArrayList<>();
        List<Point> refused = new ArrayList<>();
        for (ServedModel m : served.get()) {
            if (m.adapters() == null) {
                continue;
            }
            AdapterStatistics s = m.adapters().statistics();
            Labels model = Labels.of("model", m.name(), "version", Long.toString(m.version()));
            tier(model.add("tier", "host"), s.host(), hits, misses, loads, evictions, loadSeconds, bytes, budget);
            tier(model.add("tier", "device"), s.device(), hits, misses, loads, evictions, loadSeconds, bytes, budget);
            registered.add(new Point(model, s.registered()));
            slots.add(new Point(model.add("state", "total"), s.deviceSlots()));
            slots.add(new Point(model.add("state", "occupied"), s.slotsOccupied()));
            slots.add(new Point(model.add("state", "pinned"), s.slotsPinned()));
            slots.add(new Point(model.add("state", "in_use"), s.slotsInUse()));
            waits.add(new Point(model, s.slotWaits()));
            refused.add(new Point(model.add("reason", "no_slot"), s.noSlot()));
            refused.add(new Point(model.add("reason", "load_failed"), s.loadFailures()));
        }
        return MetricSnapshots.of(
                Families.counter("statim_lora_hits", "Adapter lookups that found the adapter in the tier.", hits),
                Families.counter("statim_lora_misses", "Adapter lookups that had to bring the adapter from the tier below.", misses),
                Families.counter("statim_lora_loads", "Adapters brought into the tier.", loads),
                Families.counter("statim_lora_evictions", "Adapters dropped from the tier to make room.", evictions),
                Families.counter("statim_lora_load_seconds", "Time spent bringing adapters into the tier.", loadSeconds),
                Families.gauge("statim_lora_bytes", "Bytes the tier holds.", bytes),
                Families.gauge("statim_lora_budget_bytes", "Bytes the tier may hold.", budget),
                Families.gauge("statim_lora_adapters_registered", "Adapters registered.", registered),
                Families.gauge("statim_lora_slots", "Device slots: total, occupied, pinned, in use by a running batch.", slots),
                Families.counter("statim_lora_slot_waits",
                        "Requests put back in the queue because every slot not pinned was read by running batches.", waits),
                Families.counter("statim_lora_refused", "Requests refused because no slot was free (429) or their adapter failed to load.",
                        refused));
    }

    private static void tier(Labels labels, AdapterStatistics.Tier t, List<Point> hits, List<Point> misses, List<Point> loads,
            List<Point> evictions, List<Point> loadSeconds, List<Point> bytes, List<Point> budget) {
        hits.add(new Point(labels, t.hits()));
        misses.add(new Point(labels, t.misses()));
        loads.add(new Point(labels, t.loads()));
        evictions.add(new Point(labels, t.evictions()));
        loadSeconds.add(new Point(labels, t.loadNanos() / 1e9));
        bytes.add(new Point(labels, t.bytes()));
        budget.add(new Point(labels, t.budgetBytes()));
    }
}
