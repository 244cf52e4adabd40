package io.statim.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelManagerTest {
    @TempDir
    Path repo;
    private final HostDevice device = LeakCheck.trackingHostDevice();
    private ModelManager manager;

    @BeforeEach
    void createRepository() throws Exception {
        TestModels.writeSimple(repo);
        Path broken = Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/config.pbtxt"), "max_batch_size: 4\ndynamic_batching_typo { }\n");
        Files.write(broken.resolve("model.onnx"), new byte[] {1, 2, 3});
        manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device, new ModelManager.Settings(16, 2));
    }

    @AfterEach
    void close() {
        manager.close();
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    @Test
    void aFailedLoadLeavesTheOtherModelsServing() {
        List<String> failed = manager.loadAll(manager.repository().modelNames());
        assertThat(failed).containsExactly("broken");
        assertThat(manager.isReady("simple", InferenceRequest.LATEST)).isTrue();
        assertThat(manager.index()).anySatisfy(e -> {
            assertThat(e.name()).isEqualTo("broken");
            assertThat(e.state()).isEqualTo(ModelState.UNAVAILABLE);
            assertThat(e.reason()).contains("dynamic_batching_typo");
        });
        assertThatThrownBy(() -> manager.resolve("broken", InferenceRequest.LATEST))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.UNAVAILABLE));
    }

    @Test
    void resolvesTheLatestOrAnExplicitVersion() {
        manager.load("simple");
        assertThat(manager.resolve("simple", InferenceRequest.LATEST).version()).isEqualTo(1);
        assertThat(manager.resolve("simple", 1).version()).isEqualTo(1);
        assertThatThrownBy(() -> manager.resolve("simple", 2)).hasMessageContaining("no version 2");
        assertThatThrownBy(() -> manager.resolve("nope", 1))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND));
    }

    @Test
    void unloadStopsServingAndReloadServesAgain() {
        manager.load("simple");
        manager.unload("simple");
        assertThat(manager.isReady("simple", InferenceRequest.LATEST)).isFalse();
        assertThat(manager.index()).anySatisfy(e -> assertThat(e.reason()).isEqualTo("unloaded"));
        manager.load("simple");
        assertThat(manager.isReady("simple", InferenceRequest.LATEST)).isTrue();
    }

    @Test
    void aFailedReloadKeepsThePreviousVersionServing() throws Exception {
        manager.load("simple");
        Files.writeString(repo.resolve("simple/config.pbtxt"), "max_batch_size: -3\n");
        assertThatThrownBy(() -> manager.load("simple")).isInstanceOf(StatusException.class);
        assertThat(manager.isReady("simple", InferenceRequest.LATEST)).isTrue();
    }

    @Test
    void aGpuModelWithoutAGpuFailsToLoadSayingWhyAndTheOthersServe() throws Exception {
        Path gpu = repo.resolve("gpu_simple");
        TestModels.writeSimple(repo.resolve("tmp"));
        Files.createDirectories(gpu.resolve("1"));
        Files.copy(repo.resolve("tmp/simple/1/model.onnx"), gpu.resolve("1/model.onnx"));
        Files.writeString(gpu.resolve("config.pbtxt"), Files.readString(repo.resolve("simple/config.pbtxt"))
                .replace("name: \"simple\"", "name: \"gpu_simple\"") + "\ninstance_group [ { count: 1 kind: KIND_GPU } ]\n");
        List<String> failed = manager.loadAll(List.of("simple", "gpu_simple"));
        assertThat(failed).containsExactly("gpu_simple");
        assertThat(manager.index()).anySatisfy(e -> {
            assertThat(e.name()).isEqualTo("gpu_simple");
            assertThat(e.reason()).contains("KIND_GPU needs a GPU: no GPU was configured");
        });
        assertThat(manager.isReady("simple", InferenceRequest.LATEST)).isTrue();
    }
}
