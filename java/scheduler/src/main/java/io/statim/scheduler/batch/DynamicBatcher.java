package io.statim.scheduler.batch;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import io.statim.runtime.ExecutionPhases;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import io.statim.scheduler.Scheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's dynamic batcher for one model version: the scheduler of every model, batching or not.
 *
 * <p>Threads: submitters (event loops, gRPC threads) admit a request against its level's capacity
 * and put it in a lock-free inbox; one batcher thread owns the {@link BatchQueue}, forms batches and
 * hands each to a free {@link InstanceWorker}; each worker owns one {@link ModelInstance}, runs the
 * batch and completes its requests. Nothing blocks a submitter; a full level is refused at once.
 *
 * <p>Steady state allocates nothing per request beyond what the instance and the listener do: the
 * inbox is an array ring, the queue's deques and the workers' batch lists are reused.
 */
public final class DynamicBatcher implements Scheduler, InstanceWorker.Runner {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    private final String modelName;
    private final BatchingPolicy policy;
    private final Admission admission;
    private final BatchQueue queue;
    private final ModelStatistics statistics;
    private final NanoClock clock;
    private final MpscArrayQueue<InferenceRequest> inbox;
    private final MpscArrayQueue<InstanceWorker> idle;
    private final ArrayDeque<InstanceWorker> free;
    private final List<InstanceWorker> workers = new ArrayList<>();
    private final List<InferenceRequest> rejected = new ArrayList<>();
    private final ResponseSequencer sequencer;
    private final Thread batcher;
    private volatile boolean sleeping;
    private volatile boolean cancellations;
    private volatile boolean closed;
    private long nextSequence;

    /**
     * Starts the batcher thread and one worker per instance. Takes ownership of the instances: each
     * is closed by its worker when the batcher closes.
     *
     * @param serverQueueCap requests one level may hold when its queue policy sets no max_queue_size
     */
    public DynamicBatcher(ModelConfig config, long version, List<ModelInstance> instances, int serverQueueCap, ModelStatistics statistics,
            NanoClock clock) {
        this.modelName = config.name();
        this.policy = new BatchingPolicy(config, serverQueueCap);
        this.admission = new Admission(policy);
        this.queue = new BatchQueue(policy, admission);
        this.statistics = statistics;
        this.clock = clock;
        this.inbox = new MpscArrayQueue<>(Math.max(2, policy.totalCapacity()));
        this.idle = new MpscArrayQueue<>(Math.max(2, instances.size()));
        this.free = new ArrayDeque<>(instances.size());
        this.sequencer = policy.preserveOrdering() ? new ResponseSequencer(this::deliver) : null;
        for (int i = 0; i < instances.size(); i++) {
            workers.add(new InstanceWorker(instances.get(i), policy.maxRows(), this, "statim-" + modelName + "-v" + version + "-" + i));
        }
        this.batcher = Thread.ofPlatform().name("statim-" + modelName + "-v" + version + "-batcher").daemon().unstarted(this::loop);
        workers.forEach(InstanceWorker::startThread);
        batcher.start();
    }

    @Override
    public void submit(InferenceRequest request) {
        if (closed) {
            fail(request, Status.unavailable("model '" + modelName + "' is being unloaded"), FailureReason.REJECTED);
            return;
        }
        int level;
        try {
            level = policy.level(request);
        } catch (StatusException e) {
            fail(request, e.status(), FailureReason.OTHER);
            return;
        }
        if (!admission.tryAcquire(level)) {
            fail(request, Status.unavailable("the queue of model '" + modelName + "' is full"), FailureReason.REJECTED);
            return;
        }
        if (!inbox.offer(request)) {
            admission.release(level);
            fail(request, Status.unavailable("the queue of model '" + modelName + "' is full"), FailureReason.REJECTED);
            return;
        }
        wake();
    }

    @Override
    public void cancel(InferenceRequest request) {
        if (request.cancel()) {
            statistics.recordFailure(FailureReason.CANCELED, clock.nanoTime() - request.arrivalNanos());
            cancellations = true;
            wake();
        }
    }

    @Override
    public int queuedRequests() {
        return admission.held();
    }

    @Override
    public void close() {
        closed = true;
        wake();
        try {
            batcher.join(TimeUnit.SECONDS.toMillis(30));
            for (InstanceWorker w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- batcher thread ----

    private void loop() {
        while (!closed) {
            InferenceRequest arrived;
            while ((arrived = inbox.poll()) != null) {
                queue.add(arrived);
            }
            InstanceWorker w;
            while ((w = idle.poll()) != null) {
                free.addLast(w);
            }
            if (cancellations) {
                cancellations = false;
                queue.dropCancelled();
            }
            long now = clock.nanoTime();
            queue.expire(now, rejected);
            failRejected();
            while (!free.isEmpty() && queue.poll(now, free.peekFirst().batch)) {
                free.pollFirst().start(nextSequence++);
            }
            long wakeAt = free.isEmpty() ? queue.earliestDeadlineNanos() : queue.nextWakeNanos();
            park(now, wakeAt);
        }
        shutdown();
    }

    private void park(long now, long wakeAt) {
        sleeping = true;
        if (inbox.isEmpty() && idle.isEmpty() && !cancellations && !closed) {
            if (wakeAt == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else if (wakeAt - now > 0) {
                LockSupport.parkNanos(this, wakeAt - now);
            }
        }
        sleeping = false;
    }

    private void wake() {
        if (sleeping) {
            LockSupport.unpark(batcher);
        }
    }

    private void failRejected() {
        for (int i = 0; i < rejected.size(); i++) {
            fail(rejected.get(i), Status.unavailable("the request timed out after waiting in the queue of model '" + modelName + "'"),
                    FailureReason.REJECTED);
        }
        rejected.clear();
    }

    private void shutdown() {
        InferenceRequest r;
        while ((r = inbox.poll()) != null) {
            queue.add(r);
        }
        queue.drain(rejected);
        for (InferenceRequest left : rejected) {
            fail(left, Status.unavailable("model '" + modelName + "' was unloaded"), FailureReason.REJECTED);
        }
        rejected.clear();
        workers.forEach(InstanceWorker::stop);
    }

    // ---- worker threads ----

    @Override
    public void idle(InstanceWorker worker) {
        idle.offer(worker);
        wake();
    }

    @Override
    public void run(InstanceWorker worker, List<InferenceRequest> batch, long sequence) {
        // A request cancelled since it was batched is dropped here; the others can no longer be
        // completed early, so their inputs stay valid while the backend reads them.
        batch.removeIf(r -> !r.start());
        if (batch.isEmpty()) {
            if (sequencer != null) {
                sequencer.finished(sequence, batch, null, null);
            }
            return;
        }
        long start = clock.nanoTime();
        long rows = 0;
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest r = batch.get(i);
            statistics.recordQueue(start - r.arrivalNanos());
            rows += r.batchSize();
        }
        List<InferenceResponse> responses = null;
        Status failure = null;
        try {
            responses = worker.instance.execute(batch);
        } catch (StatusException e) {
            failure = e.status().isOk() ? Status.internal("backend returned OK as a failure") : e.status();
        } catch (RuntimeException e) {
            LOG.error("model '{}' failed a batch of {} requests", modelName, batch.size(), e);
            failure = Status.internal("model '" + modelName + "' failed: " + e.getClass().getSimpleName());
        }
        if (failure == null) {
            long elapsed = clock.nanoTime() - start;
            ExecutionPhases phases = worker.instance.phases();
            if (phases != null) {
                statistics.recordExecution(rows, batch.size(), phases.inputNs(), phases.inferNs(), phases.outputNs());
            } else {
                statistics.recordExecution(rows, batch.size(), 0, elapsed, 0);
            }
        }
        if (sequencer != null) {
            sequencer.finished(sequence, batch, responses, failure);
        } else {
            for (int i = 0; i < batch.size(); i++) {
                deliver(batch.get(i), responses == null ? null : responses.get(i), failure);
            }
        }
    }

    private void deliver(InferenceRequest request, InferenceResponse response, Status failure) {
        if (failure != null) {
            fail(request, failure, FailureReason.BACKEND);
            return;
        }
        // Counted first, so that statistics read by the caller after its response include it; a
        // started request completes exactly here.
        statistics.recordSuccess(clock.nanoTime() - request.arrivalNanos());
        request.complete(response);
    }

    private void fail(InferenceRequest request, Status status, FailureReason reason) {
        if (request.fail(status)) {
            statistics.recordFailure(reason, clock.nanoTime() - request.arrivalNanos());
        }
    }
}
