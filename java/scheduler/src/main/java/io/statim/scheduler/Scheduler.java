package io.statim.scheduler;

import io.statim.runtime.InferenceRequest;

/**
 * Takes requests for one version of one model and runs them on the model's instances.
 *
 * <p>Ownership: after {@link #submit} returns, the scheduler owns completing the request: it calls
 * {@link InferenceRequest#complete} or {@link InferenceRequest#fail} exactly once, on one of its own
 * threads or, when the request is refused at once, on the caller's thread before {@code submit}
 * returns. The request's input memory must stay valid until then.
 *
 * <p>Thread safety: {@link #submit} may be called from any thread (event loops call it); it never
 * blocks.
 */
public interface Scheduler extends AutoCloseable {
    /** Queues a request; a full queue or a closed scheduler fails it at once with UNAVAILABLE. */
    void submit(InferenceRequest request);

    /**
     * The caller of a submitted request went away (a closed connection, a cancelled call): the
     * request fails with CANCELLED now and is dropped without running if it has not started. Any
     * thread.
     */
    default void cancel(InferenceRequest request) {
        request.cancel();
    }

    /** Requests waiting to run. */
    int queuedRequests();

    /**
     * Stops taking requests, fails those still queued with UNAVAILABLE, lets running executions
     * finish, and closes the model instances. Blocks until the workers have stopped, or for at most
     * 30 s per worker (a longer-running execution is logged and its instance closed when it ends).
     */
    @Override
    void close();

    /**
     * Runs {@code action} once every model instance of this scheduler is closed: at once when they
     * are, else on the thread of the last one to end (an execution that outlived {@link #close()}'s
     * wait). For memory the instances read, such as LoRA slot pools, which must outlive them.
     */
    default void afterInstancesClosed(Runnable action) {
        action.run();
    }
}
