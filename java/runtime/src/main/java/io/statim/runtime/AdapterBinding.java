package io.statim.runtime;

/**
 * The LoRA adapter one request runs with: a reference on a registered adapter that keeps its weights
 * available (on disk, on the host, in a device slot) until the request is done, even when the adapter
 * is unregistered meanwhile.
 *
 * <p>Ownership: whoever obtained the binding (the protocol layer, from the model's adapter registry)
 * owns it until it hands it to an {@link InferenceRequest}; from then on the request releases it, once,
 * when it becomes done (completed, failed or cancelled, whichever comes first). A binding that never
 * reaches a request (the request could not be built) is released by its owner.
 *
 * <p>Threads: {@link #slot()} is set by the scheduler's worker right before the request's batch
 * executes, and read by the backend on that thread; {@link #name()} and {@link #release()} may be
 * called from any thread.
 */
public interface AdapterBinding {
    /** The slot that means "no adapter": the zero slot, the base model. */
    int NO_SLOT = 0;

    /** The adapter's registered name. */
    String name();

    /**
     * The device slot holding the adapter while the request runs: assigned by the scheduler right
     * before the batch executes and valid until the request completes; {@link #NO_SLOT} before that.
     */
    int slot();

    /** Gives the reference back; the adapter's memory may be freed once no request holds it. */
    void release();
}
