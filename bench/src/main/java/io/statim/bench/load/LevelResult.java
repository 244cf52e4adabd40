package io.statim.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The figures of one load level: the last windows of its measurement merged (all of them when it never
 * became stable). Latencies in microseconds, throughput in successful requests per second.
 *
 * @param protocol   http1, h2c or grpc
 * @param encoding   json or binary (gRPC always sends raw contents)
 * @param mode       {@code concurrency} (closed loop) or {@code rate} (open loop)
 * @param level      the concurrency or the requests per second asked for
 * @param stable     whether the stability criterion was met
 * @param windows    windows measured at this level, merged ones included
 * @param requests   successful requests in the merged windows
 */
record LevelResult(String protocol, String encoding, String mode, double level, boolean stable, int windows, long requests,
        double throughputPerSecond, double p50Micros, double p90Micros, double p95Micros, double p99Micros, double maxMicros,
        double meanMicros, Map<String, Long> errors, ServerSplit server) {

    /** Merges the last {@code merge} windows of {@code history}. */
    static LevelResult of(String protocol, String encoding, String mode, double level, List<Window> history, int merge,
            boolean stable) {
        List<Window> last = history.subList(Math.max(0, history.size() - merge), history.size());
        Histogram all = new Histogram(3);
        long nanos = 0;
        long successes = 0;
        Map<String, Long> errors = new TreeMap<>();
        List<ServerSplit> splits = new ArrayList<>();
        for (Window w : last) {
            all.add(w.latencies());
            nanos += w.nanos();
            successes += w.successes();
            w.errors().forEach((k, v) -> errors.merge(k, v, Long::sum));
            splits.add(w.server());
        }
        return new LevelResult(protocol, encoding, mode, level, stable, history.size(), successes,
                nanos == 0 ? 0 : successes * 1e9 / nanos, micros(all, 50), micros(all, 90), micros(all, 95), micros(all, 99),
                all.getTotalCount() == 0 ? 0 : all.getMaxValue() / 1000.0, all.getTotalCount() == 0 ? 0 : all.getMean() / 1000.0,
                errors, ServerSplit.average(splits));
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    long errorCount() {
        long n = 0;
        for (long v : errors.values()) {
            n += v;
        }
        return n;
    }

    /** The series this point belongs to in a plot: protocol and encoding. */
    String series() {
        return protocol + (protocol.equals("grpc") ? "" : "+" + encoding);
    }
}
