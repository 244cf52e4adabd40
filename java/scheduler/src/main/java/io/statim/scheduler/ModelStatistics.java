package io.statim.scheduler;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of Triton's statistics extension for one model version: request outcomes with their
 * cumulative durations in nanoseconds, queue and compute times, inference and execution counts.
 * Written by the scheduler's threads, read by any thread; each counter is exact, a snapshot is not
 * atomic across counters.
 */
public final class ModelStatistics {
    private final LongAdder successCount = new LongAdder();
    private final LongAdder successNs = new LongAdder();
    private final LongAdder failCount = new LongAdder();
    private final LongAdder failNs = new LongAdder();
    private final LongAdder queueCount = new LongAdder();
    private final LongAdder queueNs = new LongAdder();
    private final LongAdder computeCount = new LongAdder();
    private final LongAdder computeInferNs = new LongAdder();
    private final LongAdder inferenceCount = new LongAdder();
    private final LongAdder executionCount = new LongAdder();
    private volatile long lastInferenceMillis;

    /** A request waited {@code ns} in the queue before its batch started. */
    public void recordQueue(long ns) {
        queueCount.increment();
        queueNs.add(ns);
    }

    /** One execution of {@code inferences} rows (summed batch sizes) took {@code ns}. */
    public void recordExecution(long inferences, int requests, long ns) {
        executionCount.increment();
        inferenceCount.add(inferences);
        computeCount.add(requests);
        computeInferNs.add(ns * requests);
        lastInferenceMillis = System.currentTimeMillis();
    }

    /** A request succeeded, {@code ns} after it arrived. */
    public void recordSuccess(long ns) {
        successCount.increment();
        successNs.add(ns);
    }

    /** A request failed, {@code ns} after it arrived. */
    public void recordFailure(long ns) {
        failCount.increment();
        failNs.add(ns);
    }

    /** The counters now. */
    public Snapshot snapshot() {
        return new Snapshot(successCount.sum(), successNs.sum(), failCount.sum(), failNs.sum(), queueCount.sum(), queueNs.sum(),
                computeCount.sum(), computeInferNs.sum(), inferenceCount.sum(), executionCount.sum(), lastInferenceMillis);
    }

    /**
     * Counters at one moment; durations are cumulative nanoseconds. {@code computeInferNs} is charged
     * once per request of an execution, as Triton does.
     */
    public record Snapshot(long successCount, long successNs, long failCount, long failNs, long queueCount, long queueNs,
            long computeCount, long computeInferNs, long inferenceCount, long executionCount, long lastInferenceMillis) {
    }
}
