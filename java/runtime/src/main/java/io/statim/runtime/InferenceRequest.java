package io.statim.runtime;

import io.statim.core.status.Status;
import io.statim.core.tensor.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One inference request after decoding: the target model, its input tensors and the outputs wanted.
 *
 * <p>Ownership: the protocol layer that decoded the request owns the input memory and keeps it alive
 * until the {@link ResponseListener} has been called, which happens only once no backend reads the
 * inputs any more (see {@link #start} and {@link #cancel}). The scheduler, once it accepted the request
 * with {@code submit}, completes it exactly once, through {@link #complete} or {@link #fail}; the
 * listener then owns the {@link InferenceResponse} and releases it. A request with an
 * {@link AdapterBinding} owns it and releases it exactly once, when it becomes done (completed, failed
 * or cancelled, whichever first), before its listener is called.
 */
public final class InferenceRequest {
    private final String id;
    private final String modelName;
    private final long modelVersion;
    private final List<Tensor> inputs;
    private final List<String> requestedOutputs;
    private final long batchSize;
    private final long arrivalNanos;
    private final ResponseListener listener;
    private final int priority;
    private final long timeoutNs;
    private final AdapterBinding adapter;
    /** QUEUED, then RUNNING once a backend takes it, then DONE; or QUEUED to DONE when cancelled or refused. */
    private final AtomicInteger state = new AtomicInteger();

    /**
     * @param id               the caller's request id, echoed in the response ("" when none)
     * @param modelName        the model
     * @param modelVersion     the version, or {@link #LATEST} for the newest served one
     * @param inputs           the inputs, already validated against the model's configuration
     * @param requestedOutputs output names wanted, in order; empty for all of the model's outputs
     * @param batchSize        rows in the batch dimension (1 for a model that does not batch)
     * @param arrivalNanos     {@link System#nanoTime()} when the request arrived
     * @param listener         called once with the outcome
     */
    public InferenceRequest(String id, String modelName, long modelVersion, List<Tensor> inputs,
            List<String> requestedOutputs, long batchSize, long arrivalNanos, ResponseListener listener) {
        this(id, modelName, modelVersion, inputs, requestedOutputs, batchSize, arrivalNanos, listener, DEFAULT_PRIORITY, NO_TIMEOUT);
    }

    /**
     * A request with a priority level and a timeout, as the OIP parameters {@code priority} and
     * {@code timeout} (microseconds) or a gRPC deadline ask.
     *
     * @param priority  the priority level, 1 = highest; {@link #DEFAULT_PRIORITY} for the model's default
     * @param timeoutNs how long the request may wait before it runs; {@link #NO_TIMEOUT} for the model's default
     */
    public InferenceRequest(String id, String modelName, long modelVersion, List<Tensor> inputs,
            List<String> requestedOutputs, long batchSize, long arrivalNanos, ResponseListener listener, int priority,
            long timeoutNs) {
        this(id, modelName, modelVersion, inputs, requestedOutputs, batchSize, arrivalNanos, listener, priority, timeoutNs, null);
    }

    /**
     * A request that runs with a LoRA adapter.
     *
     * @param adapter the adapter's binding, owned by the request from now on (released when it is done);
     *                {@code null} for the base model
     */
    public InferenceRequest(String id, String modelName, long modelVersion, List<Tensor> inputs,
            List<String> requestedOutputs, long batchSize, long arrivalNanos, ResponseListener listener, int priority,
            long timeoutNs, AdapterBinding adapter) {
        if (priority < 0) {
            throw new IllegalArgumentException("priority=" + priority + " must be >= 0");
        }
        if (timeoutNs < 0) {
            throw new IllegalArgumentException("timeoutNs=" + timeoutNs + " must be >= 0");
        }
        this.priority = priority;
        this.timeoutNs = timeoutNs;
        this.id = Objects.requireNonNull(id, "id");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.modelVersion = modelVersion;
        this.inputs = List.copyOf(inputs);
        this.requestedOutputs = List.copyOf(requestedOutputs);
        this.batchSize = batchSize;
        this.arrivalNanos = arrivalNanos;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.adapter = adapter;
    }

    /** The version that means "the newest version being served". */
    public static final long LATEST = -1;
    /** The priority that means "the model's default priority level". */
    public static final int DEFAULT_PRIORITY = 0;
    /** The timeout that means "the model's default timeout". */
    public static final long NO_TIMEOUT = 0;

    /** The priority level asked for, or {@link #DEFAULT_PRIORITY}. */
    public int priority() {
        return priority;
    }

    /** The timeout asked for in nanoseconds, or {@link #NO_TIMEOUT}. */
    public long timeoutNs() {
        return timeoutNs;
    }

    /** The LoRA adapter the request runs with, or {@code null} for the base model. */
    public AdapterBinding adapter() {
        return adapter;
    }

    /**
     * The adapter slot of the request's rows: its adapter's {@link AdapterBinding#slot()}, or
     * {@link AdapterBinding#NO_SLOT} (the base model) when it has none. For backends, while it runs.
     */
    public int adapterSlot() {
        return adapter == null ? AdapterBinding.NO_SLOT : adapter.slot();
    }

    public String id() {
        return id;
    }

    public String modelName() {
        return modelName;
    }

    public long modelVersion() {
        return modelVersion;
    }

    public List<Tensor> inputs() {
        return inputs;
    }

    /** The input of this name, or {@code null}. */
    public Tensor input(String name) {
        for (Tensor t : inputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    public List<String> requestedOutputs() {
        return requestedOutputs;
    }

    public long batchSize() {
        return batchSize;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;

    /** True once the request was completed, failed or cancelled. */
    public boolean isDone() {
        return state.get() == DONE;
    }

    /**
     * The scheduler is about to hand the request to a backend: from now on it runs to the end and a
     * {@link #cancel} no longer completes it early, because the backend reads its inputs until then.
     * Returns false when the request was already cancelled or failed: it must not run.
     */
    public boolean start() {
        return state.compareAndSet(QUEUED, RUNNING);
    }

    /**
     * Hands the response to the listener, which owns it from then on. A request completes once: a
     * later call releases the response and returns false.
     */
    public boolean complete(InferenceResponse response) {
        if (!finish()) {
            response.release();
            return false;
        }
        releaseAdapter();
        listener.onResponse(response);
        return true;
    }

    /**
     * Cancels the request because its caller went away (a closed connection, a cancelled gRPC call).
     * A request that has not started fails with CANCELLED at once and never runs. A running one is
     * left to finish, since the backend still reads its inputs, whose memory the listener frees; its
     * outcome then reaches the listener as usual. Any thread.
     *
     * @return true when the request was cancelled before it started
     */
    public boolean cancel() {
        if (!state.compareAndSet(QUEUED, DONE)) {
            return false;
        }
        releaseAdapter();
        listener.onError(new Status(io.statim.core.status.Code.CANCELLED, "the request was cancelled by its caller"));
        return true;
    }

    /** Fails the request; returns false when it had already completed. */
    public boolean fail(Status status) {
        if (!finish()) {
            return false;
        }
        releaseAdapter();
        listener.onError(status);
        return true;
    }

    /** Called once, by the thread that moved the request to DONE. */
    private void releaseAdapter() {
        if (adapter != null) {
            adapter.release();
        }
    }

    private boolean finish() {
        while (true) {
            int now = state.get();
            if (now == DONE) {
                return false;
            }
            if (state.compareAndSet(now, DONE)) {
                return true;
            }
        }
    }
}
