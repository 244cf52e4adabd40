package io.statim.scheduler;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of Triton's statistics extension for one model version, plus what the Prometheus
 * metrics need: request outcomes with their cumulative durations in nanoseconds, failures by reason,
 * queue and compute times (input, infer, output), inference and execution counts, per-batch-size
 * statistics and a request-latency histogram.
 *
 * <p>Written by the scheduler's threads, read by any thread. Recording is allocation-free: every
 * counter exists from construction (one slot per batch size up to {@code maxBatchSize}). Each
 * counter is exact; a snapshot is not atomic across counters.
 */
public final class ModelStatistics {
    /** Upper bounds, in microseconds, of the request-latency histogram's buckets (the last is +Inf). */
    public static final long[] LATENCY_BUCKETS_US = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
        250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000};

    private final LongAdder successCount = new LongAdder();
    private final LongAdder successNs = new LongAdder();
    private final LongAdder failCount = new LongAdder();
    private final LongAdder failNs = new LongAdder();
    private final LongAdder[] failuresByReason = adders(FailureReason.values().length);
    private final LongAdder queueCount = new LongAdder();
    private final LongAdder queueNs = new LongAdder();
    private final LongAdder computeCount = new LongAdder();
    private final LongAdder computeInputNs = new LongAdder();
    private final LongAdder computeInferNs = new LongAdder();
    private final LongAdder computeOutputNs = new LongAdder();
    private final LongAdder inferenceCount = new LongAdder();
    private final LongAdder executionCount = new LongAdder();
    private final AtomicLongArray batchCount;
    private final AtomicLongArray batchInputNs;
    private final AtomicLongArray batchInferNs;
    private final AtomicLongArray batchOutputNs;
    private final LongAdder[] latencyBuckets = adders(LATENCY_BUCKETS_US.length + 1);
    private volatile long lastInferenceMillis;

    /** @param maxBatchSize the largest batch, in rows, that the model executes (at least 1) */
    public ModelStatistics(int maxBatchSize) {
        int slots = Math.max(1, maxBatchSize) + 1;
        batchCount = new AtomicLongArray(slots);
        batchInputNs = new AtomicLongArray(slots);
        batchInferNs = new AtomicLongArray(slots);
        batchOutputNs = new AtomicLongArray(slots);
    }


    private static LongAdder[] adders(int n) {
        LongAdder[] out = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            out[i] = new LongAdder();
        }
        return out;
    }

    /** A request waited {@code ns} in the queue before its batch started. */
    public void recordQueue(long ns) {
        queueCount.increment();
        queueNs.add(ns);
    }

    /**
     * One execution of {@code rows} rows (the summed batch sizes of {@code requests} requests) took
     * these phases. As in Triton, each request of the batch is charged the whole compute time.
     */
    public void recordExecution(long rows, int requests, long inputNs, long inferNs, long outputNs) {
        executionCount.increment();
        inferenceCount.add(rows);
        computeCount.add(requests);
        computeInputNs.add(inputNs * requests);
        computeInferNs.add(inferNs * requests);
        computeOutputNs.add(outputNs * requests);
        int slot = (int) Math.min(rows, batchCount.length() - 1);
        batchCount.incrementAndGet(slot);
        batchInputNs.addAndGet(slot, inputNs);
        batchInferNs.addAndGet(slot, inferNs);
        batchOutputNs.addAndGet(slot, outputNs);
        lastInferenceMillis = System.currentTimeMillis();
    }

    /** A request succeeded, {@code ns} after it arrived. */
    public void recordSuccess(long ns) {
        successCount.increment();
        successNs.add(ns);
        latencyBuckets[bucket(ns / 1000)].increment();
    }

    /** A request failed, {@code ns} after it arrived. */
    public void recordFailure(FailureReason reason, long ns) {
        failCount.increment();
        failNs.add(ns);
        failuresByReason[reason.ordinal()].increment();
    }

    private static int bucket(long us) {
        for (int i = 0; i < LATENCY_BUCKETS_US.length; i++) {
            if (us <= LATENCY_BUCKETS_US[i]) {
                return i;
            }
        }
        return LATENCY_BUCKETS_US.length;
    }

    /** The counters now. Allocates the snapshot; for readers, not the hot path. */
    public Snapshot snapshot() {
        long[] failures = new long[failuresByReason.length];
        for (int i = 0; i < failures.length; i++) {
            failures[i] = failuresByReason[i].sum();
        }
        java.util.List<BatchStats> batches = new java.util.ArrayList<>();
        for (int size = 1; size < batchCount.length(); size++) {
            long count = batchCount.get(size);
            if (count > 0) {
                batches.add(new BatchStats(size, count, batchInputNs.get(size), batchInferNs.get(size), batchOutputNs.get(size)));
            }
        }
        long[] latency = new long[latencyBuckets.length];
        for (int i = 0; i < latency.length; i++) {
            latency[i] = latencyBuckets[i].sum();
        }
        return new Snapshot(successCount.sum(), successNs.sum(), failCount.sum(), failNs.sum(), failures, queueCount.sum(), queueNs.sum(),
                computeCount.sum(), computeInputNs.sum(), computeInferNs.sum(), computeOutputNs.sum(), inferenceCount.sum(),
                executionCount.sum(), java.util.List.copyOf(batches), latency, lastInferenceMillis);
    }

    /**
     * Executions of one batch size: how many, and their cumulative phase durations in nanoseconds.
     */
    public record BatchStats(int batchSize, long count, long computeInputNs, long computeInferNs, long computeOutputNs) {
    }

    /**
     * Counters at one moment; durations are cumulative nanoseconds. The compute durations are
     * charged once per request of an execution, as Triton does; {@code failuresByReason} is indexed
     * by {@link FailureReason#ordinal()}; {@code latencyBuckets} counts successful requests per bucket
     * of {@link #LATENCY_BUCKETS_US} (not cumulative), the last one for larger latencies.
     */
    public record Snapshot(long successCount, long successNs, long failCount, long failNs, long[] failuresByReason, long queueCount,
            long queueNs, long computeCount, long computeInputNs, long computeInferNs, long computeOutputNs, long inferenceCount,
            long executionCount, java.util.List<BatchStats> batchStats, long[] latencyBuckets, long lastInferenceMillis) {

        /** Failures of one reason. */
        public long failures(FailureReason reason) {
            return failuresByReason[reason.ordinal()];
        }
    }
}
