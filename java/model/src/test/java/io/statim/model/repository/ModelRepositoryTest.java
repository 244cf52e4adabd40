package io.statim.model.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.model.config.VersionPolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class ModelRepositoryTest {
    /** A config as Triton's documentation writes one for an ONNX model, comments and all. */
    private static final String TRITON_ONNX_CONFIG = """
            # Image classifier exported from PyTorch to ONNX.
            name: "densenet_onnx"
            platform: "onnxruntime_onnx"
            max_batch_size : 8
            version_policy: { latest: { num_versions: 2 } }
            input [
              {
                name: "data_0"
                data_type: TYPE_FP32
                dims: [ 3, 224, 224 ]
              }
            ]
            output [
              {
                name: "fc6_1"
                data_type: TYPE_FP32
                dims: [ 1000 ]
                reshape { shape: [ 1000, 1, 1 ] }
              }
            ]
            instance_group [
              {
                count: 2
                kind: KIND_CPU
              }
            ]
            parameters { key: "intra_op_thread_count" value: { string_value: "4" } }
            """;

    private static final String MINIMAL_CONFIG = "input { name: \"X\" data_type: TYPE_FP32 dims: [ 1 ] }\n"
            + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 1 ] }\n";

    @TempDir
    Path root;

    private Path model(String name, String config, String... versions) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("config.pbtxt"), config);
        for (String version : versions) {
            Files.write(Files.createDirectories(dir.resolve(version)).resolve("model.onnx"), new byte[] {1});
        }
        return dir;
    }

    @Test
    void listsModelDirectoriesThatHoldAConfigSorted() throws IOException {
        model("zeta", MINIMAL_CONFIG, "1");
        model("alpha", MINIMAL_CONFIG, "1");
        Files.createDirectories(root.resolve("no_config"));
        Files.writeString(root.resolve("README.md"), "not a model");

        assertThat(new ModelRepository(root).modelNames()).containsExactly("alpha", "zeta");
    }

    @Test
    void loadsATritonOnnxRepositoryUnchanged() throws IOException {
        Path dir = model("densenet_onnx", TRITON_ONNX_CONFIG, "1", "2", "3");

        ModelSource source = new ModelRepository(root).load("densenet_onnx");

        ModelConfig config = source.config();
        assertThat(config.name()).isEqualTo("densenet_onnx");
        assertThat(config.maxBatchSize()).isEqualTo(8);
        assertThat(config.inputs()).containsExactly(
                new TensorConfig("data_0", DataType.FP32, Shape.of(3, 224, 224), null, false));
        assertThat(config.output("fc6_1").reshape()).isEqualTo(Shape.of(1000, 1, 1));
        assertThat(config.instanceGroups()).containsExactly(
                new InstanceGroup("densenet_onnx_0", 2, InstanceGroup.Kind.KIND_CPU, List.of()));
        assertThat(config.parameters()).isEqualTo(Map.of("intra_op_thread_count", "4"));
        assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(2));
        assertThat(source.modelDir()).isEqualTo(dir);
        assertThat(source.versionDirs()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(source.servedVersions()).containsExactly(2L, 3L);
        assertThat(source.modelFile(3)).isEqualTo(dir.resolve("3").resolve("model.onnx"));
    }

    @Test
    void servesTheLatestVersionByDefault() throws IOException {
        model("m", MINIMAL_CONFIG, "1", "2", "10");

        assertThat(new ModelRepository(root).load("m").servedVersions()).containsExactly(10L);
    }

    @Test
    void ignoresVersionDirectoriesThatAreNotPositiveIntegers() throws IOException {
        model("m", MINIMAL_CONFIG, "1", "0", "007", "latest", "-2");

        assertThat(new ModelRepository(root).load("m").versionDirs()).containsOnlyKeys(1L);
    }

    @Test
    void findsTheModelFileByDefaultModelFilename() throws IOException {
        Path dir = model("m", MINIMAL_CONFIG + "default_model_filename: \"net.onnx\"\n");
        Files.write(Files.createDirectories(dir.resolve("4")).resolve("net.onnx"), new byte[] {1});

        assertThat(new ModelRepository(root).load("m").modelFile(4)).isEqualTo(dir.resolve("4/net.onnx"));
    }

    @Test
    void reportsAnUnknownModelAsNotFound() {
        assertThatThrownBy(() -> new ModelRepository(root).load("nope"))
                .isInstanceOf(StatusException.class)
                .hasMessage("model 'nope' is not in the repository")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void reportsANameThatLeavesTheRepositoryAsNotFound() throws IOException {
        Files.createDirectories(root.resolve("inner"));
        ModelRepository repository = new ModelRepository(root.resolve("inner"));
        model("outside", MINIMAL_CONFIG, "1");

        assertThatThrownBy(() -> repository.load("../outside"))
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void rejectsAModelDirectoryWithoutConfig() throws IOException {
        Files.createDirectories(root.resolve("m/1"));

        assertThatThrownBy(() -> new ModelRepository(root).load("m"))
                .hasMessage("model 'm' has no m/config.pbtxt")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void namesTheConfigPathInConfigErrors() throws IOException {
        model("m", MINIMAL_CONFIG + "ensemble_scheduling { }\n", "1");

        assertThatThrownBy(() -> new ModelRepository(root).load("m"))
                .hasMessage("m/config.pbtxt:3: field 'ensemble_scheduling' is not supported by Statim");
    }

    @Test
    void rejectsAModelWithoutVersionDirectories() throws IOException {
        model("m", MINIMAL_CONFIG);

        assertThatThrownBy(() -> new ModelRepository(root).load("m"))
                .hasMessage("model 'm' has no version directory for version_policy latest { num_versions: 1 } in m (found [])")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void rejectsASpecificVersionWithoutDirectory() throws IOException {
        model("m", MINIMAL_CONFIG + "version_policy { specific { versions: [ 1, 2 ] } }\n", "1");

        assertThatThrownBy(() -> new ModelRepository(root).load("m"))
                .hasMessage("model 'm': version 2 of version_policy specific { versions: [1, 2] } has no directory m/2");
    }

    @Test
    void rejectsAServedVersionWithoutModelFile() throws IOException {
        model("m", MINIMAL_CONFIG, "1");
        Files.createDirectories(root.resolve("m/2"));

        assertThatThrownBy(() -> new ModelRepository(root).load("m"))
                .hasMessage("model 'm' version 2 has no model file m/2/model.onnx");
    }

    @Test
    void reportsAVersionWithoutDirectoryAsNotFound() throws IOException {
        model("m", MINIMAL_CONFIG, "1");
        ModelSource source = new ModelRepository(root).load("m");

        assertThatThrownBy(() -> source.modelFile(5))
                .hasMessage("model 'm' has no version 5")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void rejectsListingAMissingRoot() {
        assertThatThrownBy(() -> new ModelRepository(root.resolve("missing")).modelNames())
                .hasMessageStartingWith("cannot list the model repository")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }
}
