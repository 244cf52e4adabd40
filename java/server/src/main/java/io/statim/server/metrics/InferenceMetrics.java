package io.statim.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import io.statim.server.metrics.Families.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The Prometheus families of the served model versions, with the meanings of Triton's
 * {@code nv_inference_*} metrics under the {@code statim_} prefix, labelled {@code model} and
 * {@code version}. Nothing is recorded here: a scrape reads each version's {@link ModelStatistics}
 * (one snapshot per version, so its families agree with one another) and its scheduler's queue, and
 * allocates the families it returns; the request path is not touched.
 *
 * <p>Durations are cumulative microseconds as in Triton: the request duration and the latency
 * histogram cover successful requests; the compute phases are charged to each request of an
 * execution. The batch-size histogram counts executions (not requests) by their rows; see
 * {@link #batchSizeBounds}.
 *
 * <p>Thread safety: {@link #collect} may run on any thread, also concurrently.
 */
public final class InferenceMetrics implements MultiCollector {
    private static final double NS_PER_US = 1e3;
    private static final double NS_PER_S = 1e9;
    private static final double US_PER_S = 1e6;
    private static final double[] LATENCY_BOUNDS_S = latencyBounds();

    private final Supplier<List<ServedModel>> served;

    /** @param served the model versions being served now, read at every scrape */
    public InferenceMetrics(Supplier<List<ServedModel>> served) {
        this.served = served;
    }

    /** One served version at the moment of a scrape. */
    private record Row(ServedModel model, Labels labels, ModelStatistics.Snapshot stats) {
    }

    @Override
    public MetricSnapshots collect() {
        List<Row> rows = new ArrayList<>();
        for (ServedModel m : served.get()) {
            rows.add(new Row(m, Labels.of("model", m.name(), "version", Long.toString(m.version())), m.statistics().snapshot()));
        }
        return MetricSnapshots.of(
                Families.counter("statim_inference_request_success", "Inference requests that succeeded.",
                        points(rows, r -> r.stats().successCount())),
                Families.counter("statim_inference_request_failure",
                        "Inference requests that failed, by reason: REJECTED (queue full, timed out, unloading),"
                                + " CANCELED (by the caller), BACKEND (the execution failed), OTHER.",
                        failures(rows)),
                Families.counter("statim_inference_count",
                        "Inferences performed: a request of n rows counts n (Triton's nv_inference_count).",
                        points(rows, r -> r.stats().inferenceCount())),
                Families.counter("statim_inference_exec_count",
                        "Model executions: a batch of several requests counts once (Triton's nv_inference_exec_count).",
                        points(rows, r -> r.stats().executionCount())),
                Families.gauge("statim_inference_pending_request_count", "Requests waiting in the model's queue now.",
                        points(rows, r -> r.model().scheduler().queuedRequests())),
                micros("statim_inference_request_duration_us", "Cumulative time from arrival to response of successful requests",
                        rows, ModelStatistics.Snapshot::successNs),
                micros("statim_inference_queue_duration_us", "Cumulative time requests waited in the queue before their execution started",
                        rows, ModelStatistics.Snapshot::queueNs),
                micros("statim_inference_compute_input_duration_us", "Cumulative time preparing inputs, charged to each request of a batch",
                        rows, ModelStatistics.Snapshot::computeInputNs),
                micros("statim_inference_compute_infer_duration_us",
                        "Cumulative time running the model, charged to each request of a batch",
                        rows, ModelStatistics.Snapshot::computeInferNs),
                micros("statim_inference_compute_output_duration_us",
                        "Cumulative time extracting outputs, charged to each request of a batch",
                        rows, ModelStatistics.Snapshot::computeOutputNs),
                batchSizes(rows),
                latency(rows));
    }

    private static List<Point> points(List<Row> rows, ToDoubleFunction<Row> value) {
        List<Point> points = new ArrayList<>(rows.size());
        for (Row r : rows) {
            points.add(new Point(r.labels(), value.applyAsDouble(r)));
        }
        return points;
    }

    /** A counter of cumulative microseconds from a duration the statistics keep in nanoseconds. */
    private static CounterSnapshot micros(String name, String help, List<Row> rows, ToLongFunction<ModelStatistics.Snapshot> ns) {
        return Families.counter(name, help + ", in microseconds.", points(rows, r -> ns.applyAsLong(r.stats()) / NS_PER_US));
    }

    private static List<Point> failures(List<Row> rows) {
        List<Point> points = new ArrayList<>(rows.size() * FailureReason.values().length);
        for (Row r : rows) {
            for (FailureReason reason : FailureReason.values()) {
                points.add(new Point(r.labels().add("reason", reason.name()), r.stats().failures(reason)));
            }
        }
        return points;
    }

    private static HistogramSnapshot batchSizes(List<Row> rows) {
        HistogramSnapshot.Builder family = HistogramSnapshot.builder().name("statim_inference_batch_size")
                .help("Model executions by batch size in rows; buckets at powers of two up to the model's max_batch_size.");
        for (Row r : rows) {
            double[] bounds = batchSizeBounds(r.model().config().maxBatchSize());
            long[] counts = new long[bounds.length];
            long rowsExecuted = 0;
            for (ModelStatistics.BatchStats b : r.stats().batchStats()) {
                counts[bucketOf(bounds, b.batchSize())] += b.count();
                rowsExecuted += b.batchSize() * b.count();
            }
            family.dataPoint(histogram(r.labels(), bounds, counts, rowsExecuted));
        }
        return family.build();
    }

    private static HistogramSnapshot latency(List<Row> rows) {
        HistogramSnapshot.Builder family = HistogramSnapshot.builder().name("statim_inference_request_latency_seconds")
                .help("Time from arrival to response of successful inference requests, in seconds.");
        for (Row r : rows) {
            family.dataPoint(histogram(r.labels(), LATENCY_BOUNDS_S, r.stats().latencyBuckets(), r.stats().successNs() / NS_PER_S));
        }
        return family.build();
    }

    private static HistogramSnapshot.HistogramDataPointSnapshot histogram(Labels labels, double[] bounds, long[] counts, double sum) {
        return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).sum(sum).build();
    }

    /**
     * Upper bounds of the batch-size buckets of a model whose largest batch is {@code maxBatchSize}
     * rows (0 = does not batch, so every execution is of one request): the powers of two below it,
     * the maximum itself, and +Inf. Each size up to 2 has its own bucket; above that a bucket spans
     * a doubling, which keeps a model with {@code max_batch_size: 256} at 10 series while still
     * showing whether batches fill up; the exact count per size is in the statistics extension's
     * {@code batch_stats}.
     */
    static double[] batchSizeBounds(int maxBatchSize) {
        int max = Math.max(1, maxBatchSize);
        List<Double> bounds = new ArrayList<>();
        for (long size = 1; size < max; size <<= 1) {
            bounds.add((double) size);
        }
        bounds.add((double) max);
        bounds.add(Double.POSITIVE_INFINITY);
        return bounds.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static int bucketOf(double[] bounds, int size) {
        int i = 0;
        while (bounds[i] < size) {
            i++;
        }
        return i;
    }

    private static double[] latencyBounds() {
        long[] us = ModelStatistics.LATENCY_BUCKETS_US;
        double[] bounds = new double[us.length + 1];
        for (int i = 0; i < us.length; i++) {
            bounds[i] = us[i] / US_PER_S;
        }
        bounds[us.length] = Double.POSITIVE_INFINITY;
        return bounds;
    }
}
