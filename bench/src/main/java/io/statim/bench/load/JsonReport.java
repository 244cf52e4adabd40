package io.statim.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes a run as JSON: {@code {"run": {...}, "results": [...]}}, snake_case field names. */
final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    record Report(RunInfo run, List<LevelResult> results) {
    }

    static void write(Path file, RunInfo run, List<LevelResult> results) throws IOException {
        JSON.writeValue(file.toFile(), new Report(run, results));
    }
}
