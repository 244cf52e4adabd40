package io.statim.server.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.List;

/**
 * Builds counter and gauge families from labelled values, so each collector states only what it
 * measures. Stateless; any thread.
 */
final class Families {
    /** One value of a family, with its labels. */
    record Point(Labels labels, double value) {
    }

    private Families() {
    }

    /** A counter family; {@code name} has no {@code _total}: the text format appends it. */
    static CounterSnapshot counter(String name, String help, List<Point> points) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
        for (Point p : points) {
            family.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(p.labels()).value(p.value()).build());
        }
        return family.build();
    }

    /** A gauge family. */
    static GaugeSnapshot gauge(String name, String help, List<Point> points) {
        GaugeSnapshot.Builder family = GaugeSnapshot.builder().name(name).help(help);
        for (Point p : points) {
            family.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(p.labels()).value(p.value()).build());
        }
        return family.build();
    }
}
