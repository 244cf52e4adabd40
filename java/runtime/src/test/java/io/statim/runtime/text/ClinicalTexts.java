package io.statim.runtime.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the synthetic clinical texts of {@code shared/data/clinical_texts.jsonl} (one JSON object a line
 * with {@code id}, {@code kind} and {@code text}), which lies beside the repository: three levels above
 * this module's directory.
 */
final class ClinicalTexts {
    static final Path FILE = Path.of("../../../shared/data/clinical_texts.jsonl");

    private ClinicalTexts() {
    }

    static boolean available() {
        return Files.isRegularFile(FILE);
    }

    /** Up to {@code count} texts of a kind ({@code short} or {@code long}), spread over the file. */
    static List<String> of(String kind, int count) {
        List<String> all = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(FILE, StandardCharsets.UTF_8)) {
                if (kind.equals(field(line, "kind"))) {
                    all.add(field(line, "text"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> picked = new ArrayList<>();
        int step = Math.max(1, all.size() / count);
        for (int i = 0; i < all.size() && picked.size() < count; i += step) {
            picked.add(all.get(i));
        }
        return picked;
    }

    /** The string value of a top-level field of a flat JSON object. */
    static String field(String json, String name) {
        String key = "\"" + name + "\"";
        int at = json.indexOf(key);
        if (at < 0) {
            return null;
        }
        int i = json.indexOf('"', json.indexOf(':', at + key.length()) + 1) + 1;
        StringBuilder value = new StringBuilder();
        for (char c = json.charAt(i); c != '"'; c = json.charAt(++i)) {
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char e = json.charAt(++i);
            switch (e) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'u' -> {
                    value.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> value.append(e);
            }
        }
        return value.toString();
    }
}
