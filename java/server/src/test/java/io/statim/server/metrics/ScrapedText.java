package io.statim.server.metrics;

import java.util.List;

/**
 * A scrape in Prometheus text format, read by plain line matching (no parser library): a sample
 * line is {@code name{labels} value}, labels as the writer orders them.
 */
public final class ScrapedText {
    private final String text;

    private ScrapedText(String text) {
        this.text = text;
    }

    public static ScrapedText of(String text) {
        return new ScrapedText(text);
    }

    /** {@code {model="m",version="1"}}: the labels of one model version, as written. */
    public static String model(String name, String version) {
        return "{model=\"" + name + "\",version=\"" + version + "\"}";
    }

    /** The value of the one sample whose name and labels are exactly {@code series}. */
    public double value(String series) {
        List<String> matches = text.lines().filter(l -> l.startsWith(series + " ")).toList();
        if (matches.size() != 1) {
            throw new AssertionError(matches.size() + " samples " + series + " in:\n" + text);
        }
        return Double.parseDouble(matches.get(0).substring(series.length() + 1).trim());
    }

    /** True when a line starts with {@code prefix}. */
    public boolean hasLineStartingWith(String prefix) {
        return text.lines().anyMatch(l -> l.startsWith(prefix));
    }

    @Override
    public String toString() {
        return text;
    }
}
