package io.statim.bench.load;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A run as a markdown table, one row per level, with the server's queue/compute split. */
final class MarkdownReport {
    private MarkdownReport() {
    }

    static String render(RunInfo run, List<LevelResult> results) {
        StringBuilder md = new StringBuilder();
        md.append("# Load: ").append(run.model()).append("\n\n");
        md.append("- started: ").append(run.started()).append(", machine: ").append(run.machine()).append('\n');
        md.append("- server: ").append(run.server()).append(", inputs: ").append(run.inputs()).append(", batch size: ")
                .append(run.batchSize()).append('\n');
        md.append("- window: ").append(run.windowMillis()).append(" ms, stability: ").append(run.stability()).append("\n\n");
        md.append("| wire | load | infer/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | errors | server queue µs "
                + "| compute in / infer / out µs | batch | stable |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
        for (LevelResult r : results) {
            ServerSplit s = r.server();
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %.1f | %.1f / %.1f / %.1f | %.2f | %s |%n",
                    r.series(), load(r), r.throughputPerSecond(), r.p50Micros() / 1000, r.p90Micros() / 1000, r.p95Micros() / 1000,
                    r.p99Micros() / 1000, r.maxMicros() / 1000, errors(r.errors()), s.queueMicros(), s.computeInputMicros(),
                    s.computeInferMicros(), s.computeOutputMicros(), s.batchSize(),
                    r.stable() ? "yes" : "no (" + r.windows() + " windows)"));
        }
        return md.toString();
    }

    private static String load(LevelResult r) {
        return r.mode().equals("rate") ? String.format(Locale.ROOT, "%.0f/s", r.level()) : "c=" + (long) r.level();
    }

    private static String errors(Map<String, Long> errors) {
        if (errors.isEmpty()) {
            return "0";
        }
        StringBuilder s = new StringBuilder();
        errors.forEach((label, count) -> s.append(s.isEmpty() ? "" : ", ").append(label).append(": ").append(count));
        return s.toString();
    }
}
