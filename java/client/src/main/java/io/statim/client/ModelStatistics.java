package io.statim.client;

import java.util.List;

/**
 * Triton's statistics extension for one model version ({@code GET /v2/models/<m>/stats}, gRPC
 * ModelStatistics). Counters are cumulative since the model loaded: take the difference of two
 * snapshots to measure an interval.
 *
 * @param lastInferenceMillis when the last inference ran, milliseconds since the epoch (0 for never)
 * @param inferenceCount      inferences done (each batch element counts)
 * @param executionCount      model executions (a batch of many requests counts once)
 * @param success             successful requests and their total time end to end in the server
 * @param fail                failed requests
 * @param queue               time requests waited in the scheduler
 * @param computeInput        time preparing inputs, per execution
 * @param computeInfer        time running the model, per execution
 * @param computeOutput       time extracting outputs, per execution
 * @param batches             the same compute split per batch size
 */
public record ModelStatistics(String name, String version, long lastInferenceMillis, long inferenceCount, long executionCount,
        Duration success, Duration fail, Duration queue, Duration computeInput, Duration computeInfer, Duration computeOutput,
        List<BatchStatistics> batches) {
    public ModelStatistics {
        batches = List.copyOf(batches);
    }

    /** A count of events and their total duration in nanoseconds. */
    public record Duration(long count, long ns) {
        public static final Duration ZERO = new Duration(0, 0);
    }

    /** Compute time of executions of one batch size. */
    public record BatchStatistics(long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {
    }
}
