package io.statim.scheduler.lora;

import static io.statim.scheduler.lora.LoraToyServing.input;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.batch.BatchHook;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of "admit before start" (05e5b15): Hook.admit now runs while the request is still QUEUED, so
 * a cancel can release the request's lease (its adapter reference) during or right after admit. For an
 * unregistered adapter that was the last reference: the adapter is freed under the hook's feet. Each
 * test drives the hook the way DynamicBatcher.admitThroughHook does, with the cancel landing in the
 * window that it leaves open.
 */
class AdmitBeforeStartReviewTest {
    @TempDir
    Path repo;
    private LoraToyServing serving;

    @AfterEach
    void unload() {
        if (serving != null) {
            serving.close();
        }
    }

    private static final ResponseListener IGNORE = new ResponseListener() {
        @Override
        public void onResponse(InferenceResponse response) {
            response.release();
        }

        @Override
        public void onError(Status status) {
        }
    };

    private static InferenceRequest request(ServedModel served, String adapter) {
        Tensor x = new Tensor(TestModels.LORA_TOY_INPUT, DataType.FP32, Shape.of(1, LoraToyServing.SEQ, TestModels.LORA_TOY_HIDDEN),
                MemorySegment.ofArray(input(3)));
        return new InferenceRequest("r-" + adapter, TestModels.LORA_TOY, served.version(), List.of(x), List.of(), 1, System.nanoTime(),
                IGNORE, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, served.adapters().acquire(adapter));
    }

    /**
     * Worker 1 admits u's request (slot 1 in use); its caller cancels before start(): the lease goes,
     * u (unregistered) is freed and slot 1 with it; worker 2 loads b into slot 1 for its batch; worker 1
     * then calls executed(List.of(u's request)) (DynamicBatcher:474), which takes b's use away: b's slot
     * is evictable while b's batch reads it, and c overwrites it.
     */
    @Test
    void anAdmittedThenCancelledRequestDoesNotTakeAwayAnotherBatchsSlotUse() throws Exception {
        serving = new LoraToyServing(repo, 1, 16, 0, "").load();
        serving.register("u", 4, 1);
        serving.register("b", 4, 2);
        serving.register("c", 4, 3);
        AdapterRegistry registry = serving.registry();
        BatchHook hook = registry.batchHook();

        InferenceRequest ru = request(serving.served(), "u");
        registry.unregister("u"); // ru's lease is the last reference
        assertThat(hook.admit(ru, true)).as("worker 1 admits u's request").isNull();
        assertThat(ru.cancel()).as("cancelled before start()").isTrue(); // frees u and slot 1

        InferenceRequest rb = request(serving.served(), "b");
        Status bAdmitted = hook.admit(rb, true); // worker 2, its batch runs from now on
        assertThat(rb.start()).isTrue();

        hook.executed(List.of(ru)); // worker 1: start() failed, so it gives u's slot back

        try {
            if (bAdmitted == null) { // what happens now: b was loaded into the slot that u's cancel freed
                assertThat(registry.statistics().slotsInUse()).as("b's batch still reads slot 1").isEqualTo(1);
                InferenceRequest rc = request(serving.served(), "c");
                assertThat(hook.admit(rc, true)).as("c must wait: the only slot is read by b's running batch").isSameAs(BatchHook.BUSY);
                rc.cancel();
            } else { // u's slot stays u's until executed: b waits
                assertThat(bAdmitted).isSameAs(BatchHook.BUSY);
                assertThat(registry.statistics().slotsInUse()).isZero();
            }
        } finally {
            if (bAdmitted == null) {
                hook.executed(List.of(rb));
            }
            rb.fail(Status.internal("end of test"));
        }
    }

    /**
     * The cancel lands between the batcher's isDone check (DynamicBatcher:458) and admit (or during
     * admit, before residentSlot): u is already freed (slot and host image), and admit loads the freed
     * adapter again, keeping a host image for it. u is unregistered, so reserveHost never evicts that
     * image, and free() already ran: the image stays until the model is unloaded.
     */
    @Test
    void admittingAnAdapterFreedByACancelDoesNotLeakAHostImage() throws Exception {
        serving = new LoraToyServing(repo, 1, 16, 0, "").load();
        serving.register("u", 4, 1);
        AdapterRegistry registry = serving.registry();
        BatchHook hook = registry.batchHook();

        InferenceRequest ru = request(serving.served(), "u");
        registry.unregister("u");
        assertThat(ru.cancel()).isTrue(); // the last reference: u is freed
        assertThat(registry.statistics().host().bytes()).as("host images once u is freed").isZero();

        Status admitted = hook.admit(ru, true); // what the worker does next
        if (admitted == null && !ru.start()) {
            hook.executed(List.of(ru));
        }

        assertThat(registry.statistics().host().bytes()).as("host images with no request and no registered adapter").isZero();
    }
}
