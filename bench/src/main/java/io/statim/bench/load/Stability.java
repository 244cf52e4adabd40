package io.statim.bench.load;

import java.util.List;

/**
 * perf_analyzer's stability criterion: a measurement is stable when the last {@code windows} windows
 * each have a throughput and a p50 latency within {@code tolerance} (0.10 = ±10%) of those windows'
 * averages.
 *
 * @param windows   how many consecutive windows must agree
 * @param tolerance the relative band around the average
 */
record Stability(int windows, double tolerance) {
    Stability {
        if (windows < 1) {
            throw new IllegalArgumentException("stable windows=" + windows + " must be >= 1");
        }
        if (tolerance <= 0) {
            throw new IllegalArgumentException("stability tolerance=" + tolerance + " must be > 0");
        }
    }

    /** The numbers of one window that the criterion compares. */
    interface Sample {
        double throughputPerSecond();

        double p50Micros();
    }

    /** True when the last {@link #windows} samples of {@code history} agree. */
    boolean isStable(List<? extends Sample> history) {
        if (history.size() < windows) {
            return false;
        }
        List<? extends Sample> last = history.subList(history.size() - windows, history.size());
        double throughput = 0;
        double p50 = 0;
        for (Sample s : last) {
            throughput += s.throughputPerSecond() / windows;
            p50 += s.p50Micros() / windows;
        }
        if (throughput <= 0) {
            return false;
        }
        for (Sample s : last) {
            if (!within(s.throughputPerSecond(), throughput) || !within(s.p50Micros(), p50)) {
                return false;
            }
        }
        return true;
    }

    private boolean within(double value, double average) {
        return Math.abs(value - average) <= tolerance * average;
    }
}
