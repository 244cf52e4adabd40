package io.statim.runtime;

import java.util.List;

/**
 * One loaded copy of a model, owned by one worker thread. Not thread-safe: only its worker calls
 * {@link #execute}.
 *
 * <p>Ownership: {@code execute} reads the requests' inputs without keeping them past its return. It
 * returns one {@link InferenceResponse} per request, in the same order; each response owns the
 * memory of its outputs and is handed to the caller. When it throws, no response exists, nothing is
 * left leased, and the caller fails every request of the batch; the instance stays usable.
 */
public interface ModelInstance extends AutoCloseable {
    /**
     * Runs the requests as one batch. Requests of a batching model are concatenated along the first
     * dimension; their non-batch dimensions are equal (the scheduler guarantees it).
     *
     * @throws io.statim.core.status.StatusException when the backend fails
     */
    List<InferenceResponse> execute(List<InferenceRequest> batch);

    /**
     * The phases of the last {@link #execute}, or {@code null} when the instance does not time them
     * (then the whole execution counts as infer). Called by the worker thread right after execute.
     */
    default ExecutionPhases phases() {
        return null;
    }

    /** Frees the backend session. Called by the worker thread after its last execute. */
    @Override
    void close();
}
