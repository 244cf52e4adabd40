package io.statim.scheduler.session;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.Releasable;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.SequenceBatching;
import io.statim.model.config.TensorConfig;
import io.statim.runtime.ExecutionPhases;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.ResponseListener;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.session.SequenceLane.Pending;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of a model with {@code sequence_batching}: Triton's sequence batcher with the oldest
 * strategy, and the session half of SageMaker's sticky sessions. A session is pinned to one instance
 * (the one with the fewest sessions when it opens); its requests queue on that instance's lane and run
 * in arrival order, batched with other sessions' requests where the model batches.
 *
 * <p>Per request the scheduler adds what the caller does not send: the inputs the session cached
 * (listed in the model's {@code session_cached_inputs}), the implicit state (Triton's {@code state}:
 * zeros at the start, then the previous request's output), and the control inputs (START, END,
 * READY, CORRID). After the run it keeps the new state and any cached input the request sent, in
 * session memory on the instance's device, and hands the caller only the outputs it asked for.
 *
 * <p>A request without a session runs as a sequence of one request (START and END both true, state
 * from zeros); such a request must send the cached inputs itself.
 */
public final class SequenceScheduler implements Scheduler, SessionOwner, SequenceLane.Runner {
    private static final Logger LOG = LoggerFactory.getLogger(SequenceScheduler.class);
    private static final ResponseListener UNUSED = new ResponseListener() {
        @Override
        public void onResponse(InferenceResponse response) {
            response.release();
        }

        @Override
        public void onError(Status status) {
        }
    };

    private final ModelConfig config;
    private final long version;
    private final SequenceBatching sequence;
    private final SessionStore store;
    private final Device device;
    private final ModelStatistics statistics;
    private final NanoClock clock;
    private final int queueCap;
    private final List<SequenceLane> lanes = new ArrayList<>();
    private final List<String> publicOutputs = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts one lane per instance. Takes ownership of the instances, which were loaded with the
     * model's {@link ModelConfig#executionConfig()} (state and control tensors declared).
     *
     * @param config   the model's public configuration (what callers send and get)
     * @param queueCap requests that may wait per instance
     */
    public SequenceScheduler(ModelConfig config, long version, List<ModelInstance> instances, int queueCap, SessionStore store,
            ModelStatistics statistics, NanoClock clock) {
        if (!config.sequenceBatchingEnabled()) {
            throw new IllegalArgumentException("model '" + config.name() + "' has no sequence_batching");
        }
        this.config = config;
        this.version = version;
        this.sequence = config.sequenceBatching();
        this.store = store;
        this.device = store.device();
        this.statistics = statistics;
        this.clock = clock;
        this.queueCap = queueCap;
        for (TensorConfig out : config.outputs()) {
            publicOutputs.add(out.name());
        }
        SequenceBatching.Oldest oldest = sequence.oldest();
        int maxRequests = config.batching() ? config.maxBatchSize() : 1;
        if (oldest.maxCandidateSequences() > 0) {
            maxRequests = Math.min(maxRequests, oldest.maxCandidateSequences());
        }
        long delayNanos = TimeUnit.MICROSECONDS.toNanos(oldest.maxQueueDelayMicros());
        for (int i = 0; i < instances.size(); i++) {
            lanes.add(new SequenceLane(i, instances.get(i), maxRequests, delayNanos, clock, this,
                    "statim-" + config.name() + "-v" + version + "-seq-" + i));
        }
        lanes.forEach(SequenceLane::start);
    }

    @Override
    public String modelName() {
        return config.name();
    }

    @Override
    public long version() {
        return version;
    }

    /** The store that holds this model's sessions. */
    public SessionStore store() {
        return store;
    }

    /**
     * Opens a session on the instance with the fewest sessions; the caller holds one reference, which
     * it hands on with {@link #submit(InferenceRequest, Session, boolean, boolean)} or gives back with
     * {@link SessionStore#release}.
     *
     * @param id the caller's id (OIP {@code sequence_id}), or {@code null} for a new unguessable one
     */
    public Session open(String id) {
        if (closed.get()) {
            throw new StatusException(Code.UNAVAILABLE, "model '" + config.name() + "' is being unloaded");
        }
        SequenceLane lane = lanes.get(0);
        for (SequenceLane l : lanes) {
            if (l.sessions.get() < lane.sessions.get()) {
                lane = l;
            }
        }
        lane.sessions.incrementAndGet();
        long idleMillis = TimeUnit.MICROSECONDS.toMillis(sequence.maxSequenceIdleMicros());
        return store.open(this, id, lane.index, TimeUnit.SECONDS.toMillis(sequence.ttlSeconds()), idleMillis);
    }

    @Override
    public void sessionEnded(Session session) {
        lanes.get(session.lane()).sessions.decrementAndGet();
    }

    /** A request without a session: a sequence of one request. */
    @Override
    public void submit(InferenceRequest request) {
        SequenceLane lane = lanes.get(0);
        for (SequenceLane l : lanes) {
            if (l.queued() < lane.queued()) {
                lane = l;
            }
        }
        enqueue(lane, new Pending(request, null, true, true));
    }

    /**
     * Queues a request of a session. Takes over the caller's reference to the session, which is given
     * back once the request is done.
     *
     * @param opens the request opened the session: if it fails, the session ends with it
     * @param ends  the session ends once this request has run
     */
    public void submit(InferenceRequest request, Session session, boolean opens, boolean ends) {
        if (session.owner() != this) {
            store.release(session);
            throw new IllegalArgumentException("session '" + session.id() + "' belongs to another model version");
        }
        enqueue(lanes.get(session.lane()), new Pending(request, session, opens, ends));
    }

    private void enqueue(SequenceLane lane, Pending pending) {
        InferenceRequest request = pending.request();
        if (request.isDone()) {
            settle(pending, null);
            return;
        }
        if (request.adapter() != null) {
            settle(pending, new Status(Code.INVALID_ARGUMENT, "model '" + config.name() + "' runs sequences, which serve no LoRA"
                    + " adapters; adapter '" + request.adapter().name() + "' cannot be used"));
            return;
        }
        if (config.batching() && request.batchSize() != 1) {
            settle(pending, new Status(Code.INVALID_ARGUMENT, "model '" + config.name() + "' runs sequences: each request has batch size 1, this one has "
                    + request.batchSize()));
            return;
        }
        if (lane.queued() >= queueCap) {
            settle(pending, Status.unavailable("the queue of model '" + config.name() + "' is full"));
            return;
        }
        if (closed.get() || !lane.add(pending)) {
            settle(pending, Status.unavailable("model '" + config.name() + "' is being unloaded"));
        }
    }

    @Override
    public void cancel(InferenceRequest request) {
        if (request.cancel()) {
            statistics.recordFailure(FailureReason.CANCELED, clock.nanoTime() - request.arrivalNanos());
            lanes.forEach(SequenceLane::poke);
        }
    }

    @Override
    public int queuedRequests() {
        int n = 0;
        for (SequenceLane lane : lanes) {
            n += lane.queued();
        }
        return n;
    }

    /** Fails queued requests, ends every session of this version, lets running batches finish, closes the instances. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (SequenceLane lane : lanes) {
            for (Pending p : lane.close()) {
                settle(p, Status.unavailable("model '" + config.name() + "' was unloaded"));
            }
        }
        store.endAll(this, SessionEnd.UNLOADED);
        try {
            for (SequenceLane lane : lanes) {
                if (!lane.join(TimeUnit.SECONDS.toMillis(30))) {
                    LOG.warn("an instance of model '{}' is still executing 30 s after unload; it is closed when it finishes", config.name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- lane worker threads ----

    @Override
    public void dropped(Pending pending, boolean timedOut) {
        settle(pending, timedOut ? Status.unavailable("the request timed out after waiting in the queue of model '" + config.name() + "'")
                : null);
    }

    @Override
    public void run(SequenceLane lane, List<Pending> batch) {
        List<Pending> running = new ArrayList<>(batch.size());
        List<InferenceRequest> inputs = new ArrayList<>(batch.size());
        List<Releasable> scratch = new ArrayList<>();
        long start = clock.nanoTime();
        try {
            for (Pending p : batch) {
                if (!p.request().start()) {
                    settle(p, null); // cancelled since it was queued
                    continue;
                }
                try {
                    inputs.add(prepare(p, scratch));
                    running.add(p);
                } catch (StatusException e) {
                    settle(p, e.status());
                }
            }
            if (running.isEmpty()) {
                return;
            }
            for (Pending p : running) {
                statistics.recordQueue(start - p.request().arrivalNanos());
            }
            List<InferenceResponse> responses;
            try {
                responses = lane.instance.execute(inputs);
                if (responses.size() != inputs.size()) {
                    responses.forEach(InferenceResponse::release);
                    throw new StatusException(Code.INTERNAL, "model '" + config.name() + "' answered " + inputs.size()
                            + " requests with a different count");
                }
            } catch (RuntimeException | Error e) {
                // As the dynamic batcher: even an Error fails the batch's requests rather than leaving them running for ever.
                Status failure = e instanceof StatusException se ? se.status() : Status.internal("model '" + config.name() + "' failed: "
                        + e.getClass().getSimpleName());
                if (!(e instanceof StatusException)) {
                    LOG.error("model '{}' failed a batch of {} requests", config.name(), running.size(), e);
                }
                for (Pending p : running) {
                    settle(p, failure);
                }
                return;
            }
            recordExecution(lane, running.size(), start);
            for (int i = 0; i < running.size(); i++) {
                finish(running.get(i), responses.get(i));
            }
        } finally {
            for (Releasable r : scratch) {
                r.release();
            }
        }
    }

    private void recordExecution(SequenceLane lane, int requests, long start) {
        ExecutionPhases phases = lane.instance.phases();
        if (phases != null) {
            statistics.recordExecution(requests, requests, phases.inputNs(), phases.inferNs(), phases.outputNs());
        } else {
            statistics.recordExecution(requests, requests, 0, clock.nanoTime() - start, 0);
        }
    }

    /** The request as the instance runs it: the caller's inputs plus cached inputs, state and controls. */
    private InferenceRequest prepare(Pending p, List<Releasable> scratch) {
        InferenceRequest r = p.request();
        Session s = p.session();
        if (s != null && s.stale()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "session '" + s.id() + "' of model '" + config.name() + "' "
                    + SessionEnd.EVICTED.phrase());
        }
        List<Tensor> inputs = new ArrayList<>(r.inputs().size() + sequence.states().size() + sequence.controlInputs().size() + 1);
        inputs.addAll(r.inputs());
        for (String name : sequence.cachedInputs()) {
            if (r.input(name) == null) {
                Tensor cached = s == null ? null : s.tensor(name);
                if (cached == null) {
                    throw new StatusException(Code.INVALID_ARGUMENT, s == null
                            ? "missing input '" + name + "': model '" + config.name() + "' caches it per session; send it, or open a session and send it once"
                            : "input '" + name + "' is not cached in session '" + s.id() + "': send it once in the session before omitting it");
                }
                inputs.add(cached);
            }
        }
        boolean first = s == null || s.requestsRun() == 0;
        for (SequenceBatching.State state : sequence.states()) {
            Tensor held = first ? null : s.tensor(state.inputName());
            inputs.add(held != null ? held : SequenceTensors.initialState(state, config.batching(), device, scratch));
        }
        boolean last = s == null || p.ends();
        String id = s == null ? "" : s.id();
        long corrid = s == null ? 0 : SequenceTensors.numericId(id, s.number());
        SequenceTensors.controls(sequence.controlInputs(), config.batching(), first, last, id, corrid, device, scratch, inputs);
        List<String> outputs = new ArrayList<>(r.requestedOutputs().isEmpty() ? publicOutputs : r.requestedOutputs());
        for (SequenceBatching.State state : sequence.states()) {
            if (!outputs.contains(state.outputName())) {
                outputs.add(state.outputName());
            }
        }
        return new InferenceRequest(r.id(), r.modelName(), version, inputs, outputs, r.batchSize(), r.arrivalNanos(), UNUSED);
    }

    /** Keeps the session's new state and cached inputs, ends it if asked, and answers the caller. */
    private void finish(Pending p, InferenceResponse response) {
        Session s = p.session();
        InferenceRequest r = p.request();
        if (s != null) {
            try {
                keep(s, r, response);
            } catch (StatusException e) {
                // The session cannot hold what the next request needs: end it rather than answer later
                // requests from stale state or without their cached input.
                response.release();
                s.markStale();
                store.end(s, SessionEnd.EVICTED);
                settle(p, e.status());
                return;
            }
            s.ran();
            if (p.ends()) {
                store.end(s, SessionEnd.CLOSED);
            }
            store.release(s);
        }
        List<String> wanted = r.requestedOutputs().isEmpty() ? publicOutputs : r.requestedOutputs();
        List<Tensor> outputs = new ArrayList<>(wanted.size());
        for (Tensor t : response.outputs()) {
            if (wanted.contains(t.name())) {
                outputs.add(t);
            }
        }
        InferenceResponse answer = new InferenceResponse(response.modelName(), response.modelVersion(), response.id(), outputs,
                response.memory());
        statistics.recordSuccess(clock.nanoTime() - r.arrivalNanos());
        try {
            r.complete(answer);
        } catch (RuntimeException e) {
            LOG.warn("delivering a response of model '{}' failed: {}", config.name(), e.toString());
        }
    }

    private void keep(Session s, InferenceRequest r, InferenceResponse response) {
        for (SequenceBatching.State state : sequence.states()) {
            Tensor out = response.output(state.outputName());
            if (out == null) {
                throw new StatusException(Code.INTERNAL, "model '" + config.name() + "' did not produce state '" + state.outputName() + "'");
            }
            copyInto(s, state.inputName(), out);
        }
        for (String name : sequence.cachedInputs()) {
            Tensor sent = r.input(name);
            if (sent != null) {
                copyInto(s, name, sent);
            }
        }
    }

    /** Copies {@code source} into the session under {@code name}, reusing its buffer when the size is the same. */
    private void copyInto(Session s, String name, Tensor source) {
        long bytes = source.data().byteSize();
        DeviceBuffer buffer = s.buffer(name);
        if (buffer == null || buffer.byteSize() != bytes) {
            buffer = store.allocate(bytes, s);
        }
        MemorySegment.copy(source.data(), 0, buffer.segment(), 0, bytes);
        s.hold(name, new Tensor(name, source.dataType(), source.shape(), buffer.segment()), buffer);
    }

    /** Fails the request; a listener that throws (an event loop shutting down) must not take the lane with it. */
    private boolean failQuietly(InferenceRequest r, Status failure) {
        try {
            return r.fail(failure);
        } catch (RuntimeException e) {
            LOG.warn("delivering a failure of model '{}' failed: {}", config.name(), e.toString());
            return true;
        }
    }

    /**
     * A request that will not run (or failed): fails it with {@code failure} unless it is already done
     * ({@code null} for a cancelled one), ends the session it was opening, and gives its reference back.
     */
    private void settle(Pending p, Status failure) {
        InferenceRequest r = p.request();
        Session s = p.session();
        if (s != null) {
            if (p.opens() || p.ends()) {
                store.end(s, SessionEnd.CLOSED);
            }
            store.release(s);
        }
        if (failure != null && failQuietly(r, failure)) {
            statistics.recordFailure(failure.code() == Code.UNAVAILABLE ? FailureReason.REJECTED
                    : failure.code().isClientError() ? FailureReason.OTHER : FailureReason.BACKEND, clock.nanoTime() - r.arrivalNanos());
        }
    }
}
