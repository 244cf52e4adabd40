package io.statim.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measurement window: how long it lasted, the successful requests and their latencies (ns), the
 * failures by label, and the server's time split over the same interval.
 */
record Window(long nanos, long successes, Histogram latencies, Map<String, Long> errors, ServerSplit server)
        implements Stability.Sample {

    @Override
    public double throughputPerSecond() {
        return nanos <= 0 ? 0 : successes * 1e9 / nanos;
    }

    @Override
    public double p50Micros() {
        return latencies.getValueAtPercentile(50) / 1000.0;
    }

    /** This window with the server's split attached. */
    Window withServer(ServerSplit split) {
        return new Window(nanos, successes, latencies, errors, split);
    }

    long errorCount() {
        long n = 0;
        for (long v : errors.values()) {
            n += v;
        }
        return n;
    }
}
