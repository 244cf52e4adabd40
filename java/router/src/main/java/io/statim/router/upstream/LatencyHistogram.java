package io.statim.router.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets (Prometheus' classic histogram: cumulative only when read).
 * {@link #record} is allocation-free and lock-free (a short scan of the bounds, two {@link LongAdder}
 * increments); any thread. {@link #counts} and {@link #sumNanos} are read at scrape time and may be
 * slightly inconsistent with each other under load, as any lock-free histogram.
 */
public final class LatencyHistogram {
    private final long[] upperBoundsNanos;
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();

    /** @param upperBoundsNanos increasing bucket bounds; a last +Inf bucket is added */
    public LatencyHistogram(long... upperBoundsNanos) {
        this.upperBoundsNanos = upperBoundsNanos.clone();
        counts = new LongAdder[upperBoundsNanos.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Counts one duration. */
    public void record(long nanos) {
        int i = 0;
        while (i < upperBoundsNanos.length && nanos > upperBoundsNanos[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(nanos);
    }

    /** The bucket bounds in nanoseconds, without the last +Inf. */
    public long[] upperBoundsNanos() {
        return upperBoundsNanos.clone();
    }

    /** The count of each bucket (not cumulative), +Inf last. */
    public long[] counts() {
        long[] out = new long[counts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts[i].sum();
        }
        return out;
    }

    /** The sum of all durations recorded. */
    public long sumNanos() {
        return sumNanos.sum();
    }

    /** How many durations were recorded. */
    public long count() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }
}
