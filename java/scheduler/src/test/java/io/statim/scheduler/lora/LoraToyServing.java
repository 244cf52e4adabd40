package io.statim.scheduler.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.AdapterBinding;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lora_toy} model served by a real {@link ModelManager} (ONNX Runtime, the dynamic batcher,
 * the adapter registry) from a temporary repository, with adapters written under its model directory,
 * requests submitted the way the protocol layer does, and the expected rows of each adapter computed
 * on its merged-weight model. {@link #close()} unloads and checks that no buffer is left.
 */
final class LoraToyServing implements AutoCloseable {
    static final int SEQ = 4;
    static final double TOLERANCE = 1e-4;

    final Path repo;
    final HostDevice device = LeakCheck.trackingHostDevice();
    final ModelManager manager;
    private final Map<String, Path> folders = new HashMap<>();

    /** Writes and loads {@code lora_toy}; {@code extraConfig} is appended to its config.pbtxt. */
    LoraToyServing(Path repo, int slots, int maxRank, long queueDelayUs, String extraConfig) throws IOException {
        this.repo = repo;
        Path dir = TestModels.writeLoraToy(repo, slots, maxRank, queueDelayUs);
        if (!extraConfig.isEmpty()) {
            Files.writeString(dir.resolve("config.pbtxt"), Files.readString(dir.resolve("config.pbtxt")) + extraConfig);
        }
        manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device, new ModelManager.Settings(64, 1));
    }

    LoraToyServing load() {
        manager.load(TestModels.LORA_TOY);
        return this;
    }

    ServedModel served() {
        return manager.resolve(TestModels.LORA_TOY, InferenceRequest.LATEST);
    }

    AdapterRegistry registry() {
        return served().adapters();
    }

    /** Writes a random adapter of {@code rank} over all of the toy's layers into {@code lora_toy/adapters/<name>}. */
    String write(String name, int rank, long seed) {
        return write(name, rank, seed, LoraFixtures.toyLayers());
    }

    /** Writes a random adapter over {@code layers}; returns its path relative to the model directory. */
    String write(String name, int rank, long seed, List<TestModels.Linear> layers) {
        Path folder = LoraFixtures.adapter(repo.resolve(TestModels.LORA_TOY).resolve("adapters"), name, rank, seed, layers);
        folders.put(name, folder);
        return "adapters/" + name;
    }

    /** Writes and registers an adapter. */
    AdapterRegistry.AdapterInfo register(String name, int rank, long seed) {
        return registry().register(name, write(name, rank, seed));
    }

    Path folder(String name) {
        return folders.get(name);
    }

    /** One request's outcome: its output rows, or the status it failed with. */
    static final class Outcome implements ResponseListener {
        final CompletableFuture<float[][]> rows = new CompletableFuture<>();
        final int count;

        Outcome(int count) {
            this.count = count;
        }

        @Override
        public void onResponse(InferenceResponse response) {
            try {
                Tensor y = response.output(TestModels.LORA_TOY_OUTPUT);
                float[] flat = new float[(int) y.shape().elementCount()];
                MemorySegment.copy(y.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, flat, 0, flat.length);
                rows.complete(LoraFixtures.split(flat, count));
            } finally {
                response.release();
            }
        }

        @Override
        public void onError(Status status) {
            rows.completeExceptionally(new StatusException(status));
        }

        float[][] get() throws Exception {
            return rows.get(30, TimeUnit.SECONDS);
        }

        Status failure() throws Exception {
            try {
                rows.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                return ((StatusException) e.getCause()).status();
            }
            throw new AssertionError("the request succeeded");
        }
    }

    /** Submits {@code rows} rows of {@code x} with the named adapter ({@code null}: the base model), as the protocol does. */
    Outcome submit(float[] x, int rows, String adapter) {
        ServedModel served = served();
        AdapterBinding binding = adapter == null ? null : served.adapters().acquire(adapter);
        Tensor input = new Tensor(TestModels.LORA_TOY_INPUT, DataType.FP32, Shape.of(rows, SEQ, TestModels.LORA_TOY_HIDDEN),
                MemorySegment.ofArray(x));
        Outcome outcome = new Outcome(rows);
        served.scheduler().submit(new InferenceRequest("r", TestModels.LORA_TOY, served.version(), List.of(input), List.of(), rows,
                System.nanoTime(), outcome, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, binding));
        return outcome;
    }

    /** What {@code x} gives on the base model with the adapter written as {@code name} merged in ({@code null}: the base). */
    float[][] expected(float[] x, int rows, String name) {
        return LoraFixtures.run(name == null ? TestModels.loraToy() : LoraFixtures.merged(folders.get(name)), x, rows, SEQ);
    }

    /** Asserts that every row of {@code actual} is {@code expected}'s within {@link #TOLERANCE}. */
    static void assertRows(float[][] actual, float[][] expected, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int r = 0; r < actual.length; r++) {
            assertThat(LoraFixtures.relativeError(actual[r], expected[r])).as("%s, row %d", what, r).isLessThan(TOLERANCE);
        }
    }

    /** One row of input: seeded Gaussian values. */
    static float[] input(long seed) {
        return LoraFixtures.input(1, SEQ, seed);
    }

    static float[] copy(float[] x) {
        return Arrays.copyOf(x, x.length);
    }

    /** Unloads everything, then checks that no buffer (pools, host images, staging, outputs) is left. */
    @Override
    public void close() {
        manager.close();
        assertThat(device.usedBytes(MemoryUse.LORA_SLOTS)).as("LoRA slot pools after unload").isZero();
        assertThat(device.usedBytes(MemoryUse.LORA_HOST)).as("LoRA host images after unload").isZero();
        LeakCheck.assertNoLeaks(device);
        device.close();
    }
}
