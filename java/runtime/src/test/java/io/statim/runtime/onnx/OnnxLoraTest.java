package io.statim.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.model.lora.PeftAdapter;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.AdapterBinding;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.TestRequests;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.runtime.lora.LoraModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX backend runs a LoRA model: the rewritten graph, pools bound once, a slot per row. */
class OnnxLoraTest {
    private static final int SEQ = 5;
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path repo;
    @TempDir
    Path adapters;
    private final HostDevice device = LeakCheck.trackingHostDevice();
    private final TestRequests requests = new TestRequests(device);
    private final OnnxRuntimeBackend backend = new OnnxRuntimeBackend();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void noLeaks() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        requests.release();
        assertThat(device.usedBytes(MemoryUse.LORA_SLOTS)).isZero();
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    private LoraModel loraModel(int slots, int maxRank) throws Exception {
        TestModels.writeLoraToy(repo, slots, maxRank, 0);
        ModelSource source = new ModelRepository(repo).load(TestModels.LORA_TOY);
        LoraModel lora = LoraModel.load(source, 1, device);
        open.add(lora);
        return lora;
    }

    private ModelInstance instance(LoraModel lora) {
        ModelSource source = new ModelRepository(repo).load(TestModels.LORA_TOY);
        ModelInstance instance = backend.load(source, 1, new InstanceSpec("lora_toy_0", 0, 1, lora), device);
        open.add(instance);
        return instance;
    }

    /** Writes the adapter in {@code folder} into {@code slot} through a slot image, as the host tier does. */
    private static void load(LoraModel lora, Path folder, int slot) {
        try (PeftAdapter adapter = PeftAdapter.open(folder); Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocate(lora.imageBytes(), 64);
            lora.writeImage(adapter, image);
            lora.loadSlot(slot, image);
        }
    }

    private InferenceRequest request(float[] x, int rows, AdapterBinding adapter) {
        Tensor input = requests.fp32(TestModels.LORA_TOY_INPUT, x, rows, SEQ, TestModels.LORA_TOY_HIDDEN);
        return new InferenceRequest("r", TestModels.LORA_TOY, 1, List.of(input), List.of(), rows, System.nanoTime(),
                new TestRequests.Outcome(), InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, adapter);
    }

    private static float[] rows(float[] x, int from, int count) {
        int width = SEQ * TestModels.LORA_TOY_HIDDEN;
        return Arrays.copyOfRange(x, from * width, (from + count) * width);
    }

    private static float[][] outputRows(InferenceResponse response, int rows) {
        Tensor y = response.output(TestModels.LORA_TOY_OUTPUT);
        float[] flat = new float[(int) y.shape().elementCount()];
        MemorySegment.copy(y.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, flat, 0, flat.length);
        return LoraFixtures.split(flat, rows);
    }

    private static float[][] runOne(ModelInstance instance, InferenceRequest request, int rows) {
        InferenceResponse response = instance.execute(List.of(request)).getFirst();
        try {
            return outputRows(response, rows);
        } finally {
            response.release();
        }
    }

    @Test
    void aMixedBatchMatchesTheMergedModelOfEachRowsAdapter() throws Exception {
        LoraModel lora = loraModel(3, 64);
        Path r4 = LoraFixtures.adapter(adapters, "r4", 4, 1, LoraFixtures.toyLayers("query", "value"));
        Path r16 = LoraFixtures.adapter(adapters, "r16", 16, 2, LoraFixtures.toyLayers());
        Path r64 = LoraFixtures.adapter(adapters, "r64", 64, 3, LoraFixtures.toyLayers("dense"));
        load(lora, r4, 1);
        load(lora, r16, 2);
        load(lora, r64, 3);
        ModelInstance instance = instance(lora);

        float[] x = LoraFixtures.input(7, SEQ, 11);
        // requests of 2, 1, 1, 2, 1 rows with slots 1, 0, 3, 2, 1
        int[] rowsOf = {2, 1, 1, 2, 1};
        int[] slotOf = {1, 0, 3, 2, 1};
        List<Path> folders = List.of(r4, r16, r64);
        List<InferenceRequest> batch = new ArrayList<>();
        int first = 0;
        for (int i = 0; i < rowsOf.length; i++) {
            AdapterBinding binding = slotOf[i] == 0 ? null : new LoraFixtures.FixedSlot("a" + slotOf[i], slotOf[i]);
            batch.add(request(rows(x, first, rowsOf[i]), rowsOf[i], binding));
            first += rowsOf[i];
        }
        List<InferenceResponse> responses = instance.execute(batch);

        float[][] base = LoraFixtures.run(TestModels.loraToy(), x, 7, SEQ);
        float[][][] merged = new float[4][][];
        for (int slot = 1; slot <= 3; slot++) {
            merged[slot] = LoraFixtures.run(LoraFixtures.merged(folders.get(slot - 1)), x, 7, SEQ);
        }
        int row = 0;
        for (int i = 0; i < batch.size(); i++) {
            float[][] actual = outputRows(responses.get(i), rowsOf[i]);
            for (int r = 0; r < rowsOf[i]; r++, row++) {
                float[] expected = slotOf[i] == 0 ? base[row] : merged[slotOf[i]][row];
                assertThat(LoraFixtures.relativeError(actual[r], expected)).as("row %d (slot %d)", row, slotOf[i])
                        .isLessThan(TOLERANCE);
                if (slotOf[i] != 0) {
                    assertThat(LoraFixtures.relativeError(base[row], expected)).as("the adapter changes row %d", row)
                            .isGreaterThan(1e-3);
                }
            }
            responses.get(i).release();
        }
    }

    @Test
    void aSlotWrittenBetweenRunsIsSeenWithoutRebindingThePools() throws Exception {
        LoraModel lora = loraModel(2, 16);
        ModelInstance instance = instance(lora);
        Path one = LoraFixtures.adapter(adapters, "one", 8, 4, LoraFixtures.toyLayers());
        Path two = LoraFixtures.adapter(adapters, "two", 16, 5, LoraFixtures.toyLayers("query", "key"));
        float[] x = LoraFixtures.input(1, SEQ, 12);
        AdapterBinding slot1 = new LoraFixtures.FixedSlot("one", 1);
        float[] base = LoraFixtures.run(TestModels.loraToy(), x, 1, SEQ)[0];

        // The same instance and the same pool tensors throughout; only the slot's memory changes.
        assertThat(LoraFixtures.relativeError(runOne(instance, request(x, 1, slot1), 1)[0], base))
                .as("an empty slot is zero: the base model").isLessThan(TOLERANCE);
        load(lora, one, 1);
        assertThat(LoraFixtures.relativeError(runOne(instance, request(x, 1, slot1), 1)[0],
                LoraFixtures.run(LoraFixtures.merged(one), x, 1, SEQ)[0])).as("adapter one written into slot 1").isLessThan(TOLERANCE);
        load(lora, two, 1);
        assertThat(LoraFixtures.relativeError(runOne(instance, request(x, 1, slot1), 1)[0],
                LoraFixtures.run(LoraFixtures.merged(two), x, 1, SEQ)[0])).as("adapter two over it").isLessThan(TOLERANCE);
        lora.clearSlot(1);
        assertThat(LoraFixtures.relativeError(runOne(instance, request(x, 1, slot1), 1)[0], base))
                .as("cleared again").isLessThan(TOLERANCE);
    }

    @Test
    void writingASlotFromTheFilesEqualsLoadingItsImage() throws Exception {
        LoraModel lora = loraModel(2, 16);
        Path one = LoraFixtures.adapter(adapters, "one", 8, 6, LoraFixtures.toyLayers());
        load(lora, one, 1);
        try (PeftAdapter adapter = PeftAdapter.open(one)) {
            lora.writeSlot(2, adapter);
        }
        for (int t = 0; t < lora.layout().targets().size(); t++) {
            long a = lora.layout().slotBytesA(lora.layout().targets().get(t));
            long b = lora.layout().slotBytesB(lora.layout().targets().get(t));
            assertThat(lora.poolA(t).asSlice(a, a).mismatch(lora.poolA(t).asSlice(2 * a, a))).isEqualTo(-1);
            assertThat(lora.poolB(t).asSlice(b, b).mismatch(lora.poolB(t).asSlice(2 * b, b))).isEqualTo(-1);
        }
    }

    @Test
    void anAdapterThatDoesNotFitIsRefusedNamingTheTensor() throws Exception {
        LoraModel lora = loraModel(2, 4);
        Path big = LoraFixtures.adapter(adapters, "big", 8, 7, LoraFixtures.toyLayers("query"));
        try (PeftAdapter adapter = PeftAdapter.open(big); Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> lora.writeImage(adapter, arena.allocate(lora.imageBytes())))
                    .isInstanceOf(StatusException.class)
                    .hasMessageContaining("lora_A.weight")
                    .hasMessageContaining("more than the max rank 4");
        }
    }

    @Test
    void theGraphTakesTheLoraInputsThatTheConfigDoesNotDeclare() throws Exception {
        LoraModel lora = loraModel(4, 16);

        assertThat(lora.deviceSlots()).isEqualTo(4);
        assertThat(lora.layout().slots()).isEqualTo(5);
        assertThat(lora.inputNames()).contains("lora_slot", "lora_A.encoder.layer.0.attention.self.query")
                .hasSize(1 + 2 * 12);
        assertThat(device.usedBytes(MemoryUse.LORA_SLOTS)).isGreaterThanOrEqualTo(5 * lora.imageBytes());
        instance(lora);
    }

    @Test
    void aConfiguredTensorWithTheNameOfALoraInputIsRefused() throws Exception {
        TestModels.writeLoraToy(repo, 2, 16, 0);
        Path config = repo.resolve(TestModels.LORA_TOY).resolve("config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("name: \"Y\"", "name: \"lora_slot\""));
        ModelSource source = new ModelRepository(repo).load(TestModels.LORA_TOY);

        assertThatThrownBy(() -> LoraModel.load(source, 1, device))
                .isInstanceOf(StatusException.class)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("tensor 'lora_slot'");
    }

    @Test
    void aTargetThatMatchesNoLayerFailsTheLoad() throws Exception {
        TestModels.writeLoraToy(repo, 2, 16, 0);
        Path config = repo.resolve(TestModels.LORA_TOY).resolve("config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("query,", "q_proj,"));
        ModelSource source = new ModelRepository(repo).load(TestModels.LORA_TOY);

        assertThatThrownBy(() -> LoraModel.load(source, 1, device))
                .hasMessageContaining("target module 'q_proj' matches no linear layer");
    }
}
