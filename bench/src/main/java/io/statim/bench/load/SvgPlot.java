package io.statim.bench.load;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The latency-vs-throughput plot of a sweep as a standalone SVG, written by hand (no plotting
 * library): one colour per wire (protocol+encoding), p50 as a solid line with filled points, p99 as a
 * dashed line with hollow points, each p50 point labelled with its load level. Throughput on a linear
 * axis from zero; latency on a linear axis from zero, or on a logarithmic one when the latencies span
 * more than {@value #LOG_SPAN} times (a p99 far above the p50s would flatten them); 1-2-5 ticks.
 */
final class SvgPlot {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

    private static final double LOG_SPAN = 20;

    private final StringBuilder svg = new StringBuilder();
    private double xMax;
    private double yMin = Double.MAX_VALUE;
    private double yMax;
    private boolean yLog;

    private SvgPlot() {
    }

    /** The plot of {@code results}; latencies shown in milliseconds. */
    static String render(String title, List<LevelResult> results) {
        return new SvgPlot().draw(title, results);
    }

    private String draw(String title, List<LevelResult> results) {
        Map<String, List<LevelResult>> series = new LinkedHashMap<>();
        for (LevelResult r : results) {
            series.computeIfAbsent(r.series(), k -> new ArrayList<>()).add(r);
            xMax = Math.max(xMax, r.throughputPerSecond());
            yMax = Math.max(yMax, r.p99Micros() / 1000);
            if (r.p50Micros() > 0) {
                yMin = Math.min(yMin, r.p50Micros() / 1000);
            }
        }
        xMax = niceCeiling(xMax);
        yMax = niceCeiling(yMax);
        yLog = yMin < Double.MAX_VALUE && yMax / yMin > LOG_SPAN;
        yMin = yLog ? Math.pow(10, Math.floor(Math.log10(yMin))) : 0;
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        text(WIDTH / 2.0 - RIGHT / 2.0, 28, "middle", "font-size=\"16\"", title);
        axes();
        int i = 0;
        for (Map.Entry<String, List<LevelResult>> e : series.entrySet()) {
            List<LevelResult> points = new ArrayList<>(e.getValue());
            points.sort(Comparator.comparingDouble(LevelResult::level));
            drawSeries(points, COLOURS[i % COLOURS.length]);
            legend(i, e.getKey(), COLOURS[i % COLOURS.length]);
            i++;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void axes() {
        double x0 = LEFT;
        double y0 = HEIGHT - BOTTOM;
        line(x0, y0, WIDTH - RIGHT, y0, "#000", "");
        line(x0, TOP, x0, y0, "#000", "");
        double xStep = niceStep(xMax);
        for (double v = 0; v <= xMax + xStep / 2; v += xStep) {
            double x = x(v);
            line(x, y0, x, TOP, "#e5e5e5", "");
            text(x, y0 + 18, "middle", "", number(v));
        }
        for (double v : yTicks()) {
            double y = y(v);
            line(x0, y, WIDTH - RIGHT, y, "#e5e5e5", "");
            text(x0 - 8, y + 4, "end", "", number(v));
        }
        text((LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 18, "middle", "", "throughput (inferences/s)");
        svg.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">%s</text>%n",
                (TOP + y0) / 2, (TOP + y0) / 2, yLog ? "latency (ms, log scale)" : "latency (ms)"));
    }

    private void drawSeries(List<LevelResult> points, String colour) {
        StringBuilder p50 = new StringBuilder();
        StringBuilder p99 = new StringBuilder();
        for (LevelResult r : points) {
            p50.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(r.throughputPerSecond()), y(r.p50Micros() / 1000)));
            p99.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(r.throughputPerSecond()), y(r.p99Micros() / 1000)));
        }
        polyline(p50.toString().trim(), colour, "");
        polyline(p99.toString().trim(), colour, " stroke-dasharray=\"6 4\"");
        for (LevelResult r : points) {
            double x = x(r.throughputPerSecond());
            circle(x, y(r.p50Micros() / 1000), colour, colour);
            circle(x, y(r.p99Micros() / 1000), "white", colour);
            String level = r.mode().equals("rate") ? String.format(Locale.ROOT, "%.0f/s", r.level()) : "c=" + (long) r.level();
            text(x + 6, y(r.p50Micros() / 1000) - 6, "start", "fill=\"" + colour + "\" font-size=\"10\"", level);
        }
    }

    private void legend(int index, String name, String colour) {
        double x = WIDTH - RIGHT + 20;
        double y = TOP + 10 + index * 40;
        line(x, y, x + 28, y, colour, " stroke-width=\"2\"");
        text(x + 34, y + 4, "start", "", name + " p50");
        line(x, y + 16, x + 28, y + 16, colour, " stroke-width=\"2\" stroke-dasharray=\"6 4\"");
        text(x + 34, y + 20, "start", "", name + " p99");
    }

    private double x(double value) {
        return LEFT + (xMax == 0 ? 0 : value / xMax * (WIDTH - LEFT - RIGHT));
    }

    private double y(double value) {
        double fraction = yLog ? Math.log10(Math.max(value, yMin) / yMin) / Math.log10(yMax / yMin) : value / yMax;
        return HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM);
    }

    /** 1-2-5 ticks: evenly spaced on a linear axis, 1, 2, 5 of each decade on a logarithmic one. */
    private List<Double> yTicks() {
        List<Double> ticks = new ArrayList<>();
        if (!yLog) {
            double step = niceStep(yMax);
            for (double v = 0; v <= yMax + step / 2; v += step) {
                ticks.add(v);
            }
            return ticks;
        }
        for (double decade = yMin; decade <= yMax * 1.0001; decade *= 10) {
            for (double m : new double[] {1, 2, 5}) {
                if (m * decade <= yMax * 1.0001) {
                    ticks.add(m * decade);
                }
            }
        }
        return ticks;
    }

    private void line(double x1, double y1, double x2, double y2, String colour, String extra) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n", x1, y1, x2, y2,
                colour, extra));
    }

    private void polyline(String points, String colour, String extra) {
        svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", points,
                colour, extra));
    }

    private void circle(double x, double y, String fill, String stroke) {
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                x, y, fill, stroke));
    }

    private void text(double x, double y, String anchor, String extra, String content) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n", x, y, anchor,
                extra.isEmpty() ? "" : " " + extra, escape(content)));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v} (1 for nothing). */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= v) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** A tick step giving 4 to 10 ticks over {@code [0, max]}. */
    static double niceStep(double max) {
        return niceCeiling(max / 5);
    }

    private static String number(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
    }
}
