package io.statim.bench.load;

import java.util.ArrayList;
import java.util.List;

/**
 * A sweep of load levels as perf_analyzer writes it: {@code start:end[:step]} (step 1 by default), or a
 * list {@code 1,8,32}. Levels are concurrencies (closed loop) or request rates per second (open loop).
 */
final class Levels {
    private Levels() {
    }

    /**
     * Parses a range or a list.
     *
     * @throws IllegalArgumentException naming the text when it is malformed or a level is not positive
     */
    static List<Double> parse(String text) {
        List<Double> out = new ArrayList<>();
        try {
            if (text.contains(":")) {
                String[] parts = text.split(":");
                if (parts.length < 2 || parts.length > 3) {
                    throw new IllegalArgumentException("range '" + text + "' must be start:end or start:end:step");
                }
                double start = Double.parseDouble(parts[0]);
                double end = Double.parseDouble(parts[1]);
                double step = parts.length == 3 ? Double.parseDouble(parts[2]) : 1;
                if (step <= 0 || end < start) {
                    throw new IllegalArgumentException("range '" + text + "' needs end >= start and step > 0");
                }
                for (double v = start; v <= end + 1e-9; v += step) {
                    out.add(v);
                }
            } else {
                for (String part : text.split(",")) {
                    out.add(Double.parseDouble(part.trim()));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("levels '" + text + "' must be numbers: start:end[:step] or a,b,c", e);
        }
        for (double v : out) {
            if (v <= 0) {
                throw new IllegalArgumentException("level " + v + " in '" + text + "' must be > 0");
            }
        }
        return out;
    }
}
