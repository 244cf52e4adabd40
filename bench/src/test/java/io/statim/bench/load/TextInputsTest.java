package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.client.Datatype;
import io.statim.client.InferRequest;
import io.statim.client.ModelMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextInputsTest {
    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        return Files.write(dir.resolve("texts.jsonl"), List.of(lines));
    }

    @Test
    void readsTheTextsOfOneKind() throws IOException {
        Path f = file("{\"id\":\"s0\",\"kind\":\"short\",\"text\":\"one\"}", "", "{\"kind\":\"long\",\"text\":\"two\"}",
                "{\"kind\":\"short\",\"text\":\"three\"}");

        assertThat(TextInputs.read(f, "short")).containsExactly("one", "three");
        assertThat(TextInputs.read(f, "")).containsExactly("one", "two", "three");
    }

    @Test
    void namesTheLineWithoutAText() throws IOException {
        Path f = file("{\"text\":\"one\"}", "{\"kind\":\"short\"}");

        assertThatThrownBy(() -> TextInputs.read(f, "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
    }

    @Test
    void refusesAFileWithNoTextOfTheKind() throws IOException {
        Path f = file("{\"kind\":\"short\",\"text\":\"one\"}");

        assertThatThrownBy(() -> TextInputs.read(f, "long")).hasMessageContaining("kind 'long'");
    }

    @Test
    void packsBatchSizeTextsIntoEachRequest() {
        ModelMetadata minilm = new ModelMetadata("minilm", List.of("1"), "onnxruntime_onnx",
                List.of(new ModelMetadata.TensorMetadata("TEXT", Datatype.BYTES, new long[] {-1, 1})), List.of());

        List<InferRequest> requests = TextInputs.requests(minilm, List.of("a", "b", "c", "d"), 2);

        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).inputs().getFirst().shape()).containsExactly(2, 1);
        assertThat(requests.get(1).inputs().getFirst().asStrings()).containsExactly("c", "d");
    }
}
