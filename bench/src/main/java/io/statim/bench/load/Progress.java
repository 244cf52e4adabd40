package io.statim.bench.load;

import java.io.PrintStream;
import java.util.Locale;

/**
 * What the generator shows on stderr while it runs: on a terminal a bar redrawn in place a few times a
 * second; elsewhere (a log, CI) one line per measurement window. Called from the measuring thread only.
 */
final class Progress {
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean bar;

    Progress(PrintStream out, boolean bar) {
        this.out = out;
        this.bar = bar;
    }

    /** True when stderr is a terminal (JDK 22+: {@code Console.isTerminal}; stdin and stdout are checked). */
    static boolean stderrLooksLikeTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal() && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** The bar during a window: {@code fraction} of it elapsed, {@code okSoFar} successes so far. */
    void tick(String label, int window, int maxWindows, double fraction, long okSoFar, double elapsedSeconds) {
        if (!bar) {
            return;
        }
        int filled = (int) Math.round(Math.min(1, fraction) * BAR_WIDTH);
        out.print(String.format(Locale.ROOT, "\r%-28s window %d/%d [%s%s] %8.0f req/s ", label, window, maxWindows,
                "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), elapsedSeconds > 0 ? okSoFar / elapsedSeconds : 0.0));
        out.flush();
    }

    /** A finished window. */
    void window(String label, int window, Window w, boolean stable) {
        String line = String.format(Locale.ROOT, "%-28s window %d: %9.1f req/s  p50 %8.1f us  p99 %8.1f us  errors %d%s", label,
                window, w.throughputPerSecond(), w.p50Micros(), w.latencies().getValueAtPercentile(99) / 1000.0, w.errorCount(),
                stable ? "  (stable)" : "");
        out.print(bar ? "\r" + line + "\033[K\n" : line + "\n");
        out.flush();
    }

    /** A free-form status line (warm-up, a level starts). */
    void note(String text) {
        out.print(bar ? "\r" + text + "\033[K\n" : text + "\n");
        out.flush();
    }
}
