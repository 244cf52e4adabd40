package io.statim.bench.load;

import io.statim.client.ModelStatistics;
import io.statim.client.StatimClient;
import io.statim.client.StatimClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures one load level the way perf_analyzer does: after an optional warm-up, consecutive windows
 * of a fixed length until the {@link Stability} criterion holds or {@code maxWindows} have passed, each
 * with the server's statistics read before and after it (through a separate control client, so that
 * the reads never queue behind the load). Runs on the calling thread.
 */
final class Measurement {
    private static final long TICK_NANOS = 200_000_000L;

    /**
     * @param window     length of one measurement window
     * @param maxWindows windows at most per level
     * @param stability  when to stop early
     * @param warmup     load before the first window of a run, not measured
     * @param drain      how long to wait for requests in flight after a level
     */
    record Settings(Duration window, int maxWindows, Stability stability, Duration warmup, Duration drain) {
        Settings {
            if (window.toMillis() < 100) {
                throw new IllegalArgumentException("measurement interval " + window.toMillis() + " ms must be >= 100 ms");
            }
            if (maxWindows < stability.windows()) {
                throw new IllegalArgumentException("max windows=" + maxWindows + " must be >= stable windows=" + stability.windows());
            }
        }
    }

    private final Settings settings;
    private final StatimClient control;
    private final String model;
    private final Progress progress;
    private boolean statsUnavailable;

    Measurement(Settings settings, StatimClient control, String model, Progress progress) {
        this.settings = settings;
        this.control = control;
        this.model = model;
        this.progress = progress;
    }

    /** Runs {@code driver} at one level and returns its merged figures. */
    LevelResult run(LoadDriver driver, WindowRecorder recorder, Point point, boolean warmUp) {
        try {
            driver.start();
            if (warmUp && !settings.warmup().isZero()) {
                progress.note(point.label() + " warming up for " + settings.warmup().toMillis() + " ms");
                sleep(settings.warmup().toNanos());
            }
            recorder.reset();
            List<Window> history = new ArrayList<>();
            List<ModelStatistics> before = statistics();
            boolean stable = false;
            while (!stable && history.size() < settings.maxWindows()) {
                long start = System.nanoTime();
                long end = start + settings.window().toNanos();
                for (long now = start; now < end; now = System.nanoTime()) {
                    progress.tick(point.label(), history.size() + 1, settings.maxWindows(), (double) (now - start) / (end - start),
                            recorder.successesSoFar(), (now - start) / 1e9);
                    sleep(Math.min(TICK_NANOS, end - now));
                }
                Window w = recorder.cut(System.nanoTime() - start);
                List<ModelStatistics> after = statistics();
                history.add(w.withServer(before.isEmpty() || after.isEmpty() ? ServerSplit.NONE : ServerSplit.between(before, after)));
                before = after;
                stable = settings.stability().isStable(history);
                progress.window(point.label(), history.size(), history.getLast(), stable);
            }
            return LevelResult.of(point.protocol(), point.encoding(), point.mode(), point.level(), history,
                    settings.stability().windows(), stable);
        } finally {
            driver.stop(settings.drain());
        }
    }

    private List<ModelStatistics> statistics() {
        if (statsUnavailable) {
            return List.of();
        }
        try {
            return control.modelStatistics(model);
        } catch (StatimClientException e) {
            statsUnavailable = true;
            progress.note("server statistics unavailable (" + e.label() + "): no queue/compute split");
            return List.of();
        }
    }

    private static void sleep(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** Which load a level puts on the server, for labels and results. */
    record Point(String protocol, String encoding, String mode, double level) {
        String label() {
            String amount = mode.equals("rate") ? String.format(java.util.Locale.ROOT, "%.0f/s", level) : "c=" + (long) level;
            return (protocol.equals("grpc") ? protocol : protocol + "+" + encoding) + " " + amount;
        }
    }
}
