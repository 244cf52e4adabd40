package io.statim.scheduler.lora;

import static io.statim.scheduler.lora.LoraToyServing.assertRows;
import static io.statim.scheduler.lora.LoraToyServing.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.TestRequests;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A LoRA model's adapters across loads: preloads, reloads, changed files, and models without LoRA. */
class AdapterLifecycleTest {
    private static final String PRELOAD = "parameters { key: \"lora_adapters\" value { string_value: \"smoking=adapters/smoking\" } }\n";

    @TempDir
    Path repo;
    private LoraToyServing serving;

    @AfterEach
    void unloadWithoutLeaks() {
        if (serving != null) {
            serving.close();
        }
    }

    @Test
    void theConfigsAdaptersAreRegisteredAtLoadRelativeToTheModelDirectory() throws Exception {
        serving = new LoraToyServing(repo, 2, 16, 0, PRELOAD);
        serving.write("smoking", 8, 1);
        serving.load();

        AdapterRegistry.AdapterInfo info = serving.registry().describe("smoking");
        assertThat(info.path()).isEqualTo(repo.resolve("lora_toy/adapters/smoking").toAbsolutePath().normalize().toString());
        assertThat(info.tier()).isEqualTo(AdapterRegistry.TIER_DISK);
        float[] x = input(2);
        assertRows(serving.submit(x, 1, "smoking").get(), serving.expected(x, 1, "smoking"), "preloaded adapter");
    }

    @Test
    void aBadPreloadFailsTheLoadNamingTheAdapterAndLeavesNothingAllocated() throws Exception {
        serving = new LoraToyServing(repo, 2, 16, 0, PRELOAD);

        assertThatThrownBy(serving::load)
                .isInstanceOf(StatusException.class)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND))
                .hasMessageContaining("parameter 'lora_adapters': adapter 'smoking'")
                .hasMessageContaining("does not exist");
        assertThat(serving.manager.isReady(TestModels.LORA_TOY, InferenceRequest.LATEST)).isFalse();
        LeakCheck.assertNoLeaks(serving.device);
    }

    @Test
    void aReloadKeepsTheRegisteredAndPinnedAdapters() throws Exception {
        serving = new LoraToyServing(repo, 2, 16, 0, "").load();
        serving.register("kept", 8, 3);
        serving.register("pinned", 4, 4);
        serving.registry().pin("pinned");
        AdapterRegistry before = serving.registry();

        serving.manager.load(TestModels.LORA_TOY);

        assertThat(serving.registry()).isNotSameAs(before);
        assertThat(serving.registry().list()).extracting(AdapterRegistry.AdapterInfo::name).containsExactly("kept", "pinned");
        assertThat(serving.registry().describe("pinned").pinned()).isTrue();
        float[] x = input(5);
        assertRows(serving.submit(x, 1, "kept").get(), serving.expected(x, 1, "kept"), "after the reload");
    }

    @Test
    void anAdapterWhoseFilesChangedSinceRegistrationIsRefusedNotServedWithOtherWeights() throws Exception {
        serving = new LoraToyServing(repo, 2, 16, 0, "").load();
        serving.register("changed", 8, 6);
        // New weights of another rank in the same folder, without registering again.
        LoraFixtures.adapter(repo.resolve("lora_toy/adapters"), "changed", 16, 7, LoraFixtures.toyLayers());

        Status status = serving.submit(input(8), 1, "changed").failure();

        assertThat(status.code()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(status.message()).contains("adapter 'changed'").contains("changed since it was registered");
    }

    @Test
    void aModelWithoutLoraHasNoRegistryAndRefusesARequestWithAnAdapter() throws Exception {
        TestModels.writeSimple(repo);
        HostDevice device = LeakCheck.trackingHostDevice();
        try (ModelManager manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device,
                new ModelManager.Settings(8, 1))) {
            manager.load(TestModels.SIMPLE);
            ServedModel simple = manager.resolve(TestModels.SIMPLE, InferenceRequest.LATEST);
            assertThat(simple.adapters()).isNull();
            TestRequests requests = new TestRequests(device);
            TestRequests.Outcome outcome = new TestRequests.Outcome();
            LoraFixtures.FixedSlot binding = new LoraFixtures.FixedSlot("a", 1);
            simple.scheduler().submit(new InferenceRequest("r", TestModels.SIMPLE, 1,
                    List.of(requests.int32("INPUT0", 0, 1, 16), requests.int32("INPUT1", 0, 1, 16)), List.of(), 1, System.nanoTime(),
                    outcome, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, binding));

            Status status = outcome.error.get(10, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(status.message()).contains("serves no LoRA adapters");
            assertThat(binding.releases).hasValue(1);
            requests.release();
        }
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    @Test
    void aBindingFromAnotherModelVersionIsRefused() throws Exception {
        serving = new LoraToyServing(repo, 2, 16, 0, "").load();
        TestRequests.Outcome outcome = new TestRequests.Outcome();
        float[] x = input(9);
        ServedModel served = serving.served();
        served.scheduler().submit(new InferenceRequest("r", TestModels.LORA_TOY, 1,
                List.of(new io.statim.core.tensor.Tensor(TestModels.LORA_TOY_INPUT, io.statim.core.tensor.DataType.FP32,
                        io.statim.core.tensor.Shape.of(1, LoraToyServing.SEQ, TestModels.LORA_TOY_HIDDEN),
                        java.lang.foreign.MemorySegment.ofArray(x))),
                List.of(), 1, System.nanoTime(), outcome, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT,
                new LoraFixtures.FixedSlot("forged", 1)));

        Status status = outcome.error.get(10, TimeUnit.SECONDS);
        assertThat(status.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(status.message()).contains("was not acquired from model 'lora_toy'");
    }

    @Test
    void unloadingWithAdaptersInEveryTierLeavesNoMemory() throws Exception {
        serving = new LoraToyServing(repo, 1, 16, 0, "").load();
        serving.register("device", 4, 10);
        serving.register("host", 4, 11);
        serving.register("disk", 4, 12);
        serving.submit(input(13), 1, "host").get();
        serving.submit(input(14), 1, "device").get();
        assertThat(serving.registry().list()).extracting(AdapterRegistry.AdapterInfo::tier)
                .containsExactly(AdapterRegistry.TIER_DEVICE, AdapterRegistry.TIER_DISK, AdapterRegistry.TIER_HOST);
        // A binding still held at unload is released later without effect.
        var held = serving.registry().acquire("device");

        serving.manager.unload(TestModels.LORA_TOY);
        held.release();

        assertThat(Files.exists(serving.folder("disk"))).isTrue();
        LeakCheck.assertNoLeaks(serving.device);
    }
}
