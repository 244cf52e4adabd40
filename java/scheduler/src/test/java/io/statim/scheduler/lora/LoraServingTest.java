package io.statim.scheduler.lora;

import static io.statim.scheduler.lora.LoraToyServing.assertRows;
import static io.statim.scheduler.lora.LoraToyServing.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.scheduler.ModelStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora_toy} served end to end below the protocol: ModelManager, the dynamic batcher with the
 * adapter registry's hook, ONNX Runtime on the rewritten graph. Every answer is compared with the
 * merged-weight model of its adapter (or the base model).
 */
class LoraServingTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoraServingTest.class);
    @TempDir
    Path repo;
    private LoraToyServing serving;

    @AfterEach
    void unloadWithoutLeaks() {
        if (serving != null) {
            serving.close();
        }
    }

    private LoraToyServing serve(int slots, int maxRank, long queueDelayUs) throws Exception {
        return serve(slots, maxRank, queueDelayUs, "");
    }

    private LoraToyServing serve(int slots, int maxRank, long queueDelayUs, String extraConfig) throws Exception {
        serving = new LoraToyServing(repo, slots, maxRank, queueDelayUs, extraConfig).load();
        return serving;
    }

    @Test
    void aMixedBatchOfSixAdaptersAndBaseRowsMatchesTheMergedModelsRowByRow() throws Exception {
        serve(8, 64, 2_000_000);
        int[] ranks = {4, 8, 16, 32, 48, 64};
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ranks.length; i++) {
            names.add("r" + ranks[i]);
            serving.register("r" + ranks[i], ranks[i], 100 + i);
        }
        // Eight one-row requests fill max_batch_size 8: one batch, long before the 2 s delay.
        List<String> perRow = new ArrayList<>(names);
        perRow.add(2, null);
        perRow.add(null);
        List<float[]> inputs = new ArrayList<>();
        List<LoraToyServing.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < perRow.size(); i++) {
            inputs.add(input(200 + i));
            outcomes.add(serving.submit(inputs.get(i), 1, perRow.get(i)));
        }

        double worst = 0;
        for (int i = 0; i < perRow.size(); i++) {
            float[][] actual = outcomes.get(i).get();
            float[][] expected = serving.expected(inputs.get(i), 1, perRow.get(i));
            worst = Math.max(worst, io.statim.runtime.lora.LoraFixtures.relativeError(actual[0], expected[0]));
            assertRows(actual, expected, "request " + i + " (" + perRow.get(i) + ")");
            if (perRow.get(i) != null) {
                assertThat(io.statim.runtime.lora.LoraFixtures.relativeError(serving.expected(inputs.get(i), 1, null)[0],
                        serving.expected(inputs.get(i), 1, perRow.get(i))[0])).as("adapter %s changes the output", perRow.get(i))
                        .isGreaterThan(1e-3);
            }
        }
        LOG.info("mixed batch of 6 adapters (ranks 4-64) and 2 base rows: max relative error {}", String.format("%.2e", worst));
        ModelStatistics.Snapshot stats = serving.served().statistics().snapshot();
        assertThat(stats.batchStats()).singleElement().satisfies(b -> {
            assertThat(b.batchSize()).isEqualTo(8);
            assertThat(b.count()).isEqualTo(1);
        });
        AdapterStatistics adapters = serving.registry().statistics();
        assertThat(adapters.device().misses()).isEqualTo(6);
        assertThat(adapters.device().loads()).isEqualTo(6);
        assertThat(adapters.host().loads()).isEqualTo(6);
        assertThat(adapters.slotsOccupied()).isEqualTo(6);
        assertThat(adapters.slotsInUse()).isZero();
    }

    @Test
    void moreAdaptersThanSlotsAreEvictedAndAnswersStayRight() throws Exception {
        serve(2, 16, 0);
        for (int i = 0; i < 5; i++) {
            serving.register("a" + i, 4 + 4 * (i % 3), 300 + i);
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 5; i++) {
                float[] x = input(400 + 10 * round + i);
                assertRows(serving.submit(x, 1, "a" + i).get(), serving.expected(x, 1, "a" + i), "a" + i + " round " + round);
            }
        }
        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.device().evictions()).as("device evictions").isGreaterThanOrEqualTo(8);
        assertThat(stats.host().loads()).as("each adapter read from disk once").isEqualTo(5);
        assertThat(stats.host().hits()).as("the second round refills slots from host images").isEqualTo(5);
        assertThat(stats.slotsOccupied()).isEqualTo(2);
        assertThat(serving.registry().list()).filteredOn(a -> a.tier().equals(AdapterRegistry.TIER_DEVICE)).hasSize(2);
    }

    @Test
    void concurrentRequestsOverMoreAdaptersThanSlotsAllGetTheirOwnAdapter() throws Exception {
        serve(3, 16, 60_000_000); // batches go only when full (8 rows): each mixes 6 or 7 adapters over 3 slots
        for (int i = 0; i < 6; i++) {
            serving.register("c" + i, 8, 500 + i);
        }
        List<float[]> inputs = new ArrayList<>();
        List<String> adapters = new ArrayList<>();
        List<LoraToyServing.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            inputs.add(input(600 + i));
            adapters.add(i % 7 == 6 ? null : "c" + (i % 7));
            outcomes.add(serving.submit(inputs.get(i), 1, adapters.get(i)));
        }
        // A batch that needs more adapters than there are slots runs what fits; the rest wait for a
        // later batch: every request gets its own adapter, none is refused, none gets the base model.
        for (int i = 0; i < outcomes.size(); i++) {
            assertRows(outcomes.get(i).get(), serving.expected(inputs.get(i), 1, adapters.get(i)), "request " + i);
        }
        AdapterStatistics stats = serving.registry().statistics();
        LOG.info("48 requests over 6 adapters, 3 slots: {}", stats);
        assertThat(stats.noSlot()).isZero();
        assertThat(stats.slotWaits()).as("requests that went back for a slot").isPositive();
        assertThat(serving.registry().statistics().slotsInUse()).isZero();
    }

    @Test
    void unregisteringWhileRequestsHoldTheAdapterNeverGivesAWrongAnswer() throws Exception {
        serve(4, 16, 5_000_000);
        serving.register("task", 8, 700);
        List<float[]> inputs = new ArrayList<>();
        List<LoraToyServing.Outcome> old = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inputs.add(input(710 + i));
            old.add(serving.submit(inputs.get(i), 1, "task"));
        }
        // The three wait in the queue (5 s delay, 3 of 8 rows), holding the adapter.
        float[][] expectedOld = new float[3][];
        for (int i = 0; i < 3; i++) {
            expectedOld[i] = serving.expected(inputs.get(i), 1, "task")[0];
        }
        serving.registry().unregister("task");
        assertThatThrownBy(() -> serving.registry().acquire("task"))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND));
        // A new adapter under the same name, written over the same folder with other weights, shares the
        // batch with the old one, which the queued requests still hold.
        serving.register("task", 16, 720);
        List<LoraToyServing.Outcome> fresh = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inputs.add(input(730 + i));
            fresh.add(serving.submit(inputs.get(3 + i), 1, "task"));
        }

        for (int i = 0; i < 3; i++) {
            assertRows(old.get(i).get(), new float[][] {expectedOld[i]}, "held the unregistered adapter, request " + i);
        }
        for (int i = 0; i < 5; i++) {
            assertRows(fresh.get(i).get(), serving.expected(inputs.get(3 + i), 1, "task"), "the new adapter, request " + i);
        }
        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.registered()).isEqualTo(1);
        assertThat(stats.slotsOccupied()).as("the old adapter's slot is freed after its last request").isEqualTo(1);
        assertThat(stats.host().bytes()).as("and its host image").isEqualTo(serving.registry().loraModel().imageBytes());
    }

    @Test
    void anUnregisteredAdapterIsFreedAtOnceWhenNoRequestHoldsIt() throws Exception {
        serve(2, 16, 0);
        serving.register("gone", 4, 800);
        float[] x = input(801);
        serving.submit(x, 1, "gone").get();
        assertThat(serving.registry().describe("gone").tier()).isEqualTo(AdapterRegistry.TIER_DEVICE);

        serving.registry().unregister("gone");

        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.slotsOccupied()).isZero();
        assertThat(stats.host().bytes()).isZero();
        assertThatThrownBy(() -> serving.registry().describe("gone")).hasMessageContaining("not registered");
        assertThatThrownBy(() -> serving.registry().unregister("gone"))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND));
    }

    @Test
    void pinnedAdaptersSurvivePressure() throws Exception {
        serve(2, 16, 0);
        serving.register("pinned", 8, 900);
        serving.registry().pin("pinned");
        AdapterRegistry.AdapterInfo pinned = serving.registry().describe("pinned");
        assertThat(pinned.pinned()).isTrue();
        assertThat(pinned.tier()).isEqualTo(AdapterRegistry.TIER_DEVICE);
        for (int i = 0; i < 4; i++) {
            serving.register("other" + i, 4, 910 + i);
            float[] x = input(920 + i);
            assertRows(serving.submit(x, 1, "other" + i).get(), serving.expected(x, 1, "other" + i), "other" + i);
        }

        assertThat(serving.registry().describe("pinned").slot()).isEqualTo(pinned.slot());
        assertThat(serving.registry().statistics().device().evictions()).isEqualTo(3);
        float[] x = input(930);
        assertRows(serving.submit(x, 1, "pinned").get(), serving.expected(x, 1, "pinned"), "pinned after the pressure");
        assertThat(serving.registry().statistics().device().hits()).isEqualTo(1);
    }

    @Test
    void withOneSlotTwoAdaptersInOneBatchRunOneAfterTheOther() throws Exception {
        // A queue delay of a minute: the batch goes when its 8 rows are there, so p and q share it.
        serve(1, 16, 60_000_000);
        serving.register("p", 4, 31);
        serving.register("q", 8, 32);
        float[] x = LoraFixtures.input(4, LoraToyServing.SEQ, 33);
        float[] y = LoraFixtures.input(4, LoraToyServing.SEQ, 34);
        LoraToyServing.Outcome p = serving.submit(x, 4, "p");
        LoraToyServing.Outcome q = serving.submit(y, 4, "q");
        assertRows(p.get(), serving.expected(x, 4, "p"), "p");
        assertRows(q.get(), serving.expected(y, 4, "q"), "q");
        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.slotWaits()).as("q went back for the slot p's batch read").isEqualTo(1);
        assertThat(stats.noSlot()).isZero();
        assertThat(stats.slotsInUse()).isZero();
    }

    @Test
    void whenEverySlotIsPinnedOtherAdaptersAreRefusedWith429AndTheBaseStillRuns() throws Exception {
        serve(2, 16, 1_000_000);
        serving.register("p1", 4, 1000);
        serving.register("p2", 4, 1001);
        serving.register("late", 4, 1002);
        serving.registry().pin("p1");
        serving.registry().pin("p2");

        assertThatThrownBy(() -> serving.registry().pin("late"))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                .hasMessageContaining("every one of the 2 LoRA slots");
        float[] x = input(1003);
        float[] y = input(1004);
        LoraToyServing.Outcome late = serving.submit(x, 1, "late");
        LoraToyServing.Outcome base = serving.submit(y, 1, null);
        Status refused = late.failure();
        assertThat(refused.code()).isEqualTo(Code.RESOURCE_EXHAUSTED);
        assertThat(refused.message()).contains("'late'");
        assertRows(base.get(), serving.expected(y, 1, null), "base row of the same batch");

        serving.registry().unpin("p2");
        assertRows(serving.submit(x, 1, "late").get(), serving.expected(x, 1, "late"), "late after an unpin");
    }

    @Test
    void anUnknownAdapterIsNotFound() throws Exception {
        serve(2, 16, 0);

        assertThatThrownBy(() -> serving.registry().acquire("nope"))
                .isInstanceOf(StatusException.class)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND))
                .hasMessage("adapter 'nope' is not registered for model 'lora_toy'");
    }

    @Test
    void aCorruptAdapterIsRefusedAtRegistrationNamingTheTensorAndServingIsUnchanged() throws Exception {
        serve(2, 16, 0);
        serving.register("good", 8, 1100);
        float[] x = input(1101);
        float[][] before = serving.submit(x, 1, "good").get();
        AdapterStatistics statsBefore = serving.registry().statistics();
        List<AdapterRegistry.AdapterInfo> listBefore = serving.registry().list();
        // lora_A of one layer is [8, 31]: the layer takes 32 inputs.
        List<TestModels.Linear> layers = new ArrayList<>(io.statim.runtime.lora.LoraFixtures.toyLayers("value"));
        layers.set(0, new TestModels.Linear(layers.get(0).modulePath(), 31, layers.get(0).out()));
        String misfit = serving.write("misfit", 8, 1102, layers);
        String truncated = serving.write("truncated", 8, 1103);
        Path weights = serving.folder("truncated").resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));

        assertThatThrownBy(() -> serving.registry().register("misfit", misfit))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("tensor 'base_model.model.encoder.layer.0.attention.self.value.lora_A.weight'")
                .hasMessageContaining("takes 32 inputs");
        assertThatThrownBy(() -> serving.registry().register("truncated", truncated))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("adapter_model.safetensors")
                .hasMessageContaining("tensor '");

        assertThat(serving.registry().list()).isEqualTo(listBefore);
        assertThat(serving.registry().statistics()).isEqualTo(statsBefore);
        assertRows(serving.submit(x, 1, "good").get(), before, "the good adapter after the refusals");
    }

    @Test
    void registrationChecksTheNameThePathAndDuplicates() throws Exception {
        serve(2, 16, 0);
        String path = serving.write("ok", 4, 1200);

        assertThatThrownBy(() -> serving.registry().register("bad name", path))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> serving.registry().register("x", "adapters/missing"))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND))
                .hasMessageContaining("does not exist");
        Files.createDirectories(repo.resolve("lora_toy/adapters/empty"));
        assertThatThrownBy(() -> serving.registry().register("x", "adapters/empty"))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.NOT_FOUND))
                .hasMessageContaining("adapter_config.json");
        AdapterRegistry.AdapterInfo info = serving.registry().register("ok", path);
        assertThat(info.path()).isEqualTo(serving.folder("ok").toAbsolutePath().normalize().toString());
        assertThat(info.rank()).isEqualTo(4);
        assertThat(info.alpha()).isEqualTo(8.0);
        assertThat(info.tier()).isEqualTo(AdapterRegistry.TIER_DISK);
        assertThat(info.slot()).isEqualTo(-1);
        assertThat(info.targetModules()).isNotEmpty();
        assertThatThrownBy(() -> serving.registry().register("ok", serving.folder("ok").toString()))
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.ALREADY_EXISTS));
    }

    @Test
    void anAdapterWhoseFilesVanishedFailsAloneWithFailedPrecondition() throws Exception {
        serve(4, 16, 2_000_000);
        serving.register("fine", 4, 1300);
        serving.register("vanished", 4, 1301);
        try (Stream<Path> files = Files.walk(serving.folder("vanished"))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        List<float[]> inputs = new ArrayList<>();
        List<LoraToyServing.Outcome> outcomes = new ArrayList<>();
        String[] adapters = {"vanished", "fine", null, "fine", "vanished", null, "fine", null};
        for (int i = 0; i < adapters.length; i++) {
            inputs.add(input(1310 + i));
            outcomes.add(serving.submit(inputs.get(i), 1, adapters[i]));
        }

        for (int i = 0; i < adapters.length; i++) {
            if ("vanished".equals(adapters[i])) {
                Status status = outcomes.get(i).failure();
                assertThat(status.code()).isEqualTo(Code.FAILED_PRECONDITION);
                assertThat(status.message()).contains("adapter 'vanished' of model 'lora_toy' cannot be loaded").contains("does not exist");
            } else {
                assertRows(outcomes.get(i).get(), serving.expected(inputs.get(i), 1, adapters[i]), "request " + i);
            }
        }
        assertThat(serving.registry().describe("vanished").tier()).isEqualTo(AdapterRegistry.TIER_DISK);
        assertThat(serving.registry().statistics().loadFailures()).isEqualTo(2);
    }

    @Test
    void aSmallHostBudgetKeepsTheRecentImagesAndZeroSkipsTheHostTier() throws Exception {
        // Budget for two images: the third load drops the least recently used.
        long image = 2L * 16 * 4 * (4 * (32 + 32) + (32 + 64) + (64 + 32));
        serve(1, 16, 0, "parameters { key: \"lora_host_memory_bytes\" value { string_value: \"" + 2 * image + "\" } }\n");
        assertThat(serving.registry().loraModel().imageBytes()).isEqualTo(image);
        for (int i = 0; i < 3; i++) {
            serving.register("h" + i, 8, 1400 + i);
            float[] x = input(1410 + i);
            assertRows(serving.submit(x, 1, "h" + i).get(), serving.expected(x, 1, "h" + i), "h" + i);
        }
        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.host().evictions()).isEqualTo(1);
        assertThat(stats.host().bytes()).isEqualTo(2 * image);
        assertThat(serving.registry().describe("h0").tier()).isEqualTo(AdapterRegistry.TIER_DISK);
        assertThat(serving.registry().describe("h1").tier()).isEqualTo(AdapterRegistry.TIER_HOST);
        assertThat(serving.registry().describe("h2").tier()).isEqualTo(AdapterRegistry.TIER_DEVICE);
    }

    @Test
    void withoutAHostBudgetSlotsAreWrittenStraightFromTheFiles() throws Exception {
        serve(1, 16, 0, "parameters { key: \"lora_host_memory_bytes\" value { string_value: \"0\" } }\n");
        for (int i = 0; i < 2; i++) {
            serving.register("d" + i, 8, 1500 + i);
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 2; i++) {
                float[] x = input(1510 + i + 10 * round);
                assertRows(serving.submit(x, 1, "d" + i).get(), serving.expected(x, 1, "d" + i), "d" + i);
            }
        }
        AdapterStatistics stats = serving.registry().statistics();
        assertThat(stats.host().loads()).isZero();
        assertThat(stats.host().misses()).isEqualTo(4);
        assertThat(stats.device().loads()).isEqualTo(4);
    }
}
