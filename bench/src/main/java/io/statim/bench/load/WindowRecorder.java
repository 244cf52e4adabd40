package io.statim.bench.load;

import io.statim.client.StatimClientException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records the outcome of every request of the current measurement window from the client's I/O
 * threads (wait-free: HdrHistogram's {@link Recorder} and {@link LongAdder}s), and hands the window
 * over to the measuring thread with {@link #cut}. Latencies are in nanoseconds.
 */
final class WindowRecorder {
    private final Recorder latencies = new Recorder(3);
    private final LongAdder successes = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();

    /** A successful request that took {@code nanos}. */
    void success(long nanos) {
        latencies.recordValue(Math.max(1, nanos));
        successes.increment();
    }

    /** A failed request, counted by its label (HTTP status, gRPC code, timeout, ...). */
    void failure(Throwable error) {
        Throwable cause = error.getCause() != null && !(error instanceof StatimClientException) ? error.getCause() : error;
        String label = cause instanceof StatimClientException e ? e.label() : cause.getClass().getSimpleName();
        errors.computeIfAbsent(label, k -> new LongAdder()).increment();
    }

    /** A request the generator could not send (open loop over its outstanding limit). */
    void dropped() {
        errors.computeIfAbsent("dropped", k -> new LongAdder()).increment();
    }

    /** Successes so far in the current window (for the progress display). */
    long successesSoFar() {
        return successes.sum();
    }

    /** Ends the current window, which lasted {@code nanos}, and starts the next. */
    Window cut(long nanos) {
        Histogram histogram = latencies.getIntervalHistogram();
        long ok = successes.sumThenReset();
        Map<String, Long> failed = new TreeMap<>();
        errors.forEach((label, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
                failed.put(label, n);
            }
        });
        return new Window(nanos, ok, histogram, failed, ServerSplit.NONE);
    }

    /** Forgets everything recorded so far (after warm-up). */
    void reset() {
        cut(0);
    }
}
