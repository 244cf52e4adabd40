package io.statim.scheduler.lora;

import static io.statim.scheduler.lora.LoraToyServing.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review findings on the adapter registry and how the dynamic batcher calls its hook; each fails as reviewed. */
class AdapterRegistryReviewTest {
    @TempDir
    Path repo;
    private LoraToyServing serving;

    @AfterEach
    void unloadWithoutLeaks() {
        if (serving != null) {
            serving.close();
        }
    }

    private static final ResponseListener THROWS_ON_ERROR = new ResponseListener() {
        @Override
        public void onResponse(InferenceResponse response) {
            response.release();
        }

        @Override
        public void onError(Status status) {
            throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
        }
    };

    private static InferenceRequest request(ServedModel served, float[] x, String adapter, ResponseListener listener) {
        Tensor input = new Tensor(TestModels.LORA_TOY_INPUT, DataType.FP32, Shape.of(1, LoraToyServing.SEQ, TestModels.LORA_TOY_HIDDEN),
                MemorySegment.ofArray(x));
        return new InferenceRequest("r", TestModels.LORA_TOY, served.version(), List.of(input), List.of(), 1, System.nanoTime(), listener,
                InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, adapter == null ? null : served.adapters().acquire(adapter));
    }

    /**
     * DynamicBatcher.refusedByHook fails the refused request unguarded (deliver is guarded against "a
     * listener that throws (an event loop shutting down)"): the exception leaves run() from inside
     * removeIf, so the requests of the batch already admitted never execute nor complete, their slots
     * stay "in use" (never evictable again), and the instance's worker thread dies.
     */
    @Test
    void aRefusedRequestWhoseListenerThrowsDoesNotStrandItsBatchNorLeakSlotUses() throws Exception {
        // A queue delay of a minute: batches go when their 8 rows are there, so p's 7 rows and q's 1 share one.
        serving = new LoraToyServing(repo, 1, 16, 60_000_000, "").load();
        serving.register("p", 4, 1);
        serving.registry().pin("p"); // the only slot: "q" cannot be loaded
        serving.register("q", 4, 2);
        float[] x = LoraFixtures.input(7, LoraToyServing.SEQ, 3);

        LoraToyServing.Outcome admitted = serving.submit(x, 7, "p");
        serving.served().scheduler().submit(request(serving.served(), input(4), "q", THROWS_ON_ERROR)); // same batch, refused 429

        LoraToyServing.assertRows(admitted.rows.get(5, TimeUnit.SECONDS), serving.expected(x, 7, "p"), "the admitted request");
        assertThat(serving.registry().statistics().slotsInUse()).as("slots in use after the batch").isZero();
        assertThat(serving.registry().statistics().noSlot()).as("q was refused in that batch").isEqualTo(1);
        float[] y = LoraFixtures.input(8, LoraToyServing.SEQ, 5);
        LoraToyServing.assertRows(serving.submit(y, 8, null).rows.get(5, TimeUnit.SECONDS), serving.expected(y, 8, null),
                "a later request on the same instance");
    }

    /** A Device whose next LORA_HOST allocation throws OutOfMemoryError, as HostDevice does when a slab cannot be carved. */
    private static final class FailingHostImages implements Device {
        final HostDevice device = LeakCheck.trackingHostDevice();
        volatile boolean failNext;

        @Override
        public String name() {
            return device.name();
        }

        @Override
        public DeviceBuffer tryAllocate(long bytes, MemoryUse use) {
            if (use == MemoryUse.LORA_HOST && failNext) {
                failNext = false;
                throw new OutOfMemoryError("Cannot allocate native memory (test)");
            }
            return device.tryAllocate(bytes, use);
        }

        @Override
        public DeviceBuffer allocate(long bytes, MemoryUse use) {
            return device.allocate(bytes, use);
        }

        @Override
        public long budgetBytes(MemoryUse use) {
            return device.budgetBytes(use);
        }

        @Override
        public long usedBytes(MemoryUse use) {
            return device.usedBytes(use);
        }

        @Override
        public long reservedBytes() {
            return device.reservedBytes();
        }

        @Override
        public long liveBuffers() {
            return device.liveBuffers();
        }

        @Override
        public List<String> leakReport() {
            return device.leakReport();
        }

        @Override
        public void close() {
            device.close();
        }
    }

    /**
     * AdapterRegistry.residentSlot catches only RuntimeException and InternalError around fill(): an
     * OutOfMemoryError (HostDevice.tryAllocate rethrows it when a slab cannot be carved) leaves the
     * reserved slot owned by the adapter, "in use" once and not published as its slot: it is never
     * freed nor evictable again, so with one slot no adapter can ever be loaded again.
     */
    @Test
    void anErrorWhileFillingASlotDoesNotLoseTheSlotForGood() throws Exception {
        TestModels.writeLoraToy(repo, 1, 16, 0);
        FailingHostImages device = new FailingHostImages();
        try (ModelManager manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device,
                new ModelManager.Settings(64, 1))) {
            manager.load(TestModels.LORA_TOY);
            ServedModel served = manager.resolve(TestModels.LORA_TOY, InferenceRequest.LATEST);
            LoraFixtures.adapter(repo.resolve(TestModels.LORA_TOY).resolve("adapters"), "a", 4, 7, LoraFixtures.toyLayers());
            served.adapters().register("a", "adapters/a");

            device.failNext = true;
            assertThatThrownBy(() -> served.adapters().pin("a")).isInstanceOf(OutOfMemoryError.class);

            assertThat(served.adapters().statistics().slotsInUse()).as("slots in use with nothing running").isZero();
            LoraToyServing.Outcome outcome = new LoraToyServing.Outcome(1);
            served.scheduler().submit(request(served, input(8), "a", outcome));
            outcome.get(); // fails 429 "all 1 LoRA slots ... are pinned or in use" for ever
        }
        assertThat(device.usedBytes(MemoryUse.LORA_HOST)).isZero();
        LeakCheck.assertNoLeaks(device.device);
        device.close();
    }
}
