package io.statim.runtime;

import io.statim.core.status.Status;

/**
 * Receives the outcome of an {@link InferenceRequest}: exactly one of the two methods is called,
 * exactly once, on whichever thread finished the request (usually an instance's worker thread).
 * Implementations must not block: they hand the response to the connection's event loop.
 */
public interface ResponseListener {
    /** The request succeeded; the listener owns {@code response} and must release it. */
    void onResponse(InferenceResponse response);

    /** The request failed with a non-OK status. */
    void onError(Status status);
}
