package io.statim.runtime.cuda.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void hashesTheModelAndTheFilesBesideIt() throws IOException {
        Path model = dir.resolve("model.onnx");
        Files.writeString(model, "graph");
        String alone = ModelFiles.sha256(model);
        assertThat(alone).hasSize(64).isEqualTo(ModelFiles.sha256(model));
        Files.writeString(dir.resolve("model.onnx.data"), "weights");
        String withWeights = ModelFiles.sha256(model);
        assertThat(withWeights).isNotEqualTo(alone);
        Files.writeString(dir.resolve("model.onnx.data"), "other weights");
        assertThat(ModelFiles.sha256(model)).isNotEqualTo(withWeights);
    }
}
