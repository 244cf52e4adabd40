package io.statim.scheduler.batch;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.runtime.InferenceRequest;
import java.util.List;

/**
 * Work that a {@link DynamicBatcher} does around each execution, on the instance's worker thread,
 * for per-request resources that must be resident while a batch runs (LoRA adapters in device
 * slots). For each request of a batch {@link #admit} is called right before the batch executes,
 * before the request is started; a request it refuses fails alone and the rest of the batch runs;
 * one it answers {@link #BUSY} goes back to the head of the queue and waits for the next execution
 * to end. {@link #executed} is called once after the execution returns or throws, with the requests
 * that were admitted, and also for an admitted request that was cancelled before it could start.
 *
 * <p>Threads: called by the batcher's worker threads, several at once for a model with several
 * instances; an implementation synchronizes itself. {@code admit} may block (it may read files).
 */
public interface BatchHook {
    /**
     * What {@link #admit} answers when the request cannot run now only because what it needs is held
     * by batches still running (every LoRA slot that is not pinned is read by one): it will fit once
     * one of them ends. Compared by identity; nothing is held for the request then.
     */
    Status BUSY = new Status(Code.RESOURCE_EXHAUSTED, "what the request needs is in use by running batches");

    /**
     * Makes what the request needs resident and holds it until {@link #executed}.
     *
     * @param mayWait whether the batcher can put the request back to wait ({@code false} for a model
     *                that must answer in arrival order): when false, a request that would be
     *                {@link #BUSY} fails with a status that says why instead
     * @return {@code null} when the request may run, {@link #BUSY}, or else the status it fails with
     *         (nothing is held then)
     */
    Status admit(InferenceRequest request, boolean mayWait);

    /** Lets go of what {@link #admit} held for these requests: the batch no longer reads it. */
    void executed(List<InferenceRequest> batch);

    /**
     * Refuses a request at submit when it asks for something this model cannot give (an adapter of a
     * model without adapters is refused by the batcher without a hook).
     *
     * @return {@code null} when the request may queue, else the status it fails with
     */
    default Status check(InferenceRequest request) {
        return null;
    }
}
