package io.statim.scheduler.batch;

import io.statim.core.status.Status;
import io.statim.runtime.InferenceRequest;
import java.util.List;

/**
 * Work that a {@link DynamicBatcher} does around each execution, on the instance's worker thread,
 * for per-request resources that must be resident while a batch runs (LoRA adapters in device
 * slots). For each started request {@link #admit} is called right before the batch executes; a
 * request it refuses fails alone and the rest of the batch runs. {@link #executed} is called once
 * after the execution returns or throws, with the requests that were admitted.
 *
 * <p>Threads: called by the batcher's worker threads, several at once for a model with several
 * instances; an implementation synchronizes itself. {@code admit} may block (it may read files).
 */
public interface BatchHook {
    /**
     * Makes what the request needs resident and holds it until {@link #executed}.
     *
     * @return {@code null} when the request may run, else the status it fails with (nothing is held then)
     */
    Status admit(InferenceRequest request);

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
