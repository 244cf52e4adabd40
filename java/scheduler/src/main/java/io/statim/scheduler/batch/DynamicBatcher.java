package io.statim.scheduler.batch;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's dynamic batcher for one model version: the scheduler of every model, batching or not.
 *
 * <p>Threads: the {@link BatchQueue} and the list of idle instances are guarded by one lock, held
 * only to queue a request or to take a batch (no I/O, no backend call, no listener under it). A
 * submitter (event loop, gRPC thread) admits a request against its level's capacity (a full level is
 * refused at once, without the lock), queues it, and when an instance is idle and a batch is due,
 * hands the batch to that instance's worker with one unpark. A worker that finishes a batch takes the
 * next one itself, so under load no thread hand-over happens between batches; an idle worker parks
 * until it is given a batch or until the queue's next deadline (a queue delay or a timeout).
 *
 * <p>Why not a batcher thread of its own (DESIGN.md): on the 2-core machines this was measured on,
 * the extra hop event loop → batcher thread → worker cost half of {@code simple}'s throughput at
 * concurrency 8 to 32 (bench/results); the lock keeps one writer at a time on the queue all the same.
 *
 * <p>LoRA: a model served with adapters has a {@link BatchHook} (its adapter registry's) that, on the
 * worker right before each execution, brings every request's adapter into a device slot and marks
 * the slot in use until the execution ends; a request whose adapter cannot be made resident fails
 * alone and the rest of the batch runs. A batch mixes adapters and the base model freely. A request
 * whose adapter finds every slot read by running batches is put back at the head of the queue, with
 * the requests behind it in its batch (so that later requests cannot keep taking the slots it waits
 * for), and tries again in a later batch, once an execution has ended (a model that preserves ordering
 * cannot reorder, so there it fails with 429); when a whole batch had to go back, no batch forms
 * until an execution ends or {@link #SLOT_RETRY_NS} has passed, so workers do not spin.
 *
 * <p>Steady state allocates nothing per request beyond what the instance and the listener do.
 */
public final class DynamicBatcher implements Scheduler, InstanceWorker.Loop {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);
    /**
     * How long the queue waits, after a batch whose every request had to go back for its resources,
     * before it tries again without an execution having ended (a safety net: the resources are held
     * by this batcher's own running batches, whose ends resume the queue at once).
     */
    static final long SLOT_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String modelName;
    private final BatchingPolicy policy;
    private final Admission admission;
    private final ModelStatistics statistics;
    private final NanoClock clock;
    private final List<InstanceWorker> workers = new ArrayList<>();
    private final ResponseSequencer sequencer;
    /** Brings per-request resources (LoRA adapters) in before each execution; null for models without. */
    private final BatchHook hook;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final BatchQueue queue;
    /** Guarded by {@link #lock}: workers parked without a batch. */
    private final ArrayDeque<InstanceWorker> idle;
    /** Guarded by {@link #lock}: filled by expiry, emptied into a local list before failing. */
    private final List<InferenceRequest> expired = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private long nextSequence;
    private volatile boolean closed;
    /** Guarded by {@link #lock}: workers whose thread has not ended yet. */
    private int liveWorkers;
    /** Guarded by {@link #lock}: what runs once the last worker has ended. */
    private final List<Runnable> afterInstancesClosed = new ArrayList<>();
    /** Rejects timed-out requests while every worker is busy; only for models whose requests can time out. */
    private final Thread reaper;
    /** When the reaper will look next; a submit with an earlier deadline wakes it. */
    private volatile long reaperWakeAt = Long.MAX_VALUE;
    /** Requests were put back to wait for resources held by running batches: the next execution's end looks at the queue again. */
    private volatile boolean awaitingResources;
    /** Executions that have given their resources back; a put-back batch does not pause when one ended meanwhile. */
    private final AtomicLong releases = new AtomicLong();

    /**
     * Starts one worker per instance. Takes ownership of the instances: each is closed by its worker
     * when the batcher closes.
     *
     * @param serverQueueCap requests one level may hold when its queue policy sets no max_queue_size
     */
    public DynamicBatcher(ModelConfig config, long version, List<ModelInstance> instances, int serverQueueCap, ModelStatistics statistics,
            NanoClock clock) {
        this(config, version, instances, serverQueueCap, statistics, clock, null);
    }

    /**
     * A batcher whose workers call {@code hook} around each execution (see {@link BatchHook}).
     *
     * @param hook what to bring in before each execution, or {@code null}; requests naming a LoRA
     *             adapter are refused at submit without one
     */
    public DynamicBatcher(ModelConfig config, long version, List<ModelInstance> instances, int serverQueueCap, ModelStatistics statistics,
            NanoClock clock, BatchHook hook) {
        this.hook = hook;
        this.modelName = config.name();
        this.policy = new BatchingPolicy(config, serverQueueCap);
        this.admission = new Admission(policy);
        this.queue = new BatchQueue(policy, admission);
        this.statistics = statistics;
        this.clock = clock;
        this.idle = new ArrayDeque<>(instances.size());
        this.sequencer = policy.preserveOrdering() ? new ResponseSequencer(this::deliver) : null;
        for (int i = 0; i < instances.size(); i++) {
            workers.add(new InstanceWorker(instances.get(i), policy.maxRows(), this, "statim-" + modelName + "-v" + version + "-" + i));
        }
        this.reaper = policy.hasTimeouts()
                ? Thread.ofPlatform().name("statim-" + modelName + "-v" + version + "-timeouts").daemon().unstarted(this::reap)
                : null;
        liveWorkers = workers.size();
        workers.forEach(InstanceWorker::startThread);
        if (reaper != null) {
            reaper.start();
        }
    }

    @Override
    public void submit(InferenceRequest request) {
        if (request.isDone()) {
            return; // cancelled before it got here: its caller already has the outcome
        }
        if (closed) {
            fail(request, Status.unavailable("model '" + modelName + "' is being unloaded"), FailureReason.REJECTED);
            return;
        }
        Status unservable = hook != null ? hook.check(request) : request.adapter() == null ? null
                : Status.invalidArgument("model '" + modelName + "' serves no LoRA adapters; adapter '" + request.adapter().name()
                        + "' cannot be used");
        if (unservable != null) {
            fail(request, unservable, FailureReason.OTHER);
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
        List<InferenceRequest> timedOut;
        boolean refused = false;
        long earliestDeadline = Long.MAX_VALUE;
        lock.lock();
        try {
            if (closed) {
                admission.release(level);
                refused = true;
                timedOut = List.of();
            } else {
                queue.add(request);
                long now = clock.nanoTime();
                timedOut = expireLocked(now);
                dispatchLocked(now);
                earliestDeadline = queue.earliestDeadlineNanos();
            }
        } finally {
            lock.unlock();
        }
        if (refused) {
            fail(request, Status.unavailable("model '" + modelName + "' is being unloaded"), FailureReason.REJECTED);
        }
        failTimedOut(timedOut);
        if (reaper != null && earliestDeadline < reaperWakeAt) {
            LockSupport.unpark(reaper);
        }
    }

    /** The reaper thread: rejects requests whose timeout passes while they wait. */
    private void reap() {
        while (!closed) {
            long now = clock.nanoTime();
            List<InferenceRequest> timedOut;
            long next;
            lock.lock();
            try {
                timedOut = expireLocked(now);
                next = queue.earliestDeadlineNanos();
                reaperWakeAt = next;
            } finally {
                lock.unlock();
            }
            failTimedOut(timedOut);
            if (next == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else if (next - now > 0) {
                LockSupport.parkNanos(this, next - now);
            }
        }
    }

    @Override
    public void cancel(InferenceRequest request) {
        if (request.cancel()) {
            lock.lock();
            try {
                queue.dropCancelled();
                // Dropping it may have made a batch due (a preferred size, a full batch).
                dispatchLocked(clock.nanoTime());
            } finally {
                lock.unlock();
            }
            statistics.recordFailure(FailureReason.CANCELED, clock.nanoTime() - request.arrivalNanos());
        }
    }

    @Override
    public int queuedRequests() {
        return admission.held();
    }

    @Override
    public void close() {
        List<InferenceRequest> left = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            queue.drain(left);
        } finally {
            lock.unlock();
        }
        for (InferenceRequest r : left) {
            fail(r, Status.unavailable("model '" + modelName + "' was unloaded"), FailureReason.REJECTED);
        }
        workers.forEach(InstanceWorker::wake);
        if (reaper != null) {
            LockSupport.unpark(reaper);
        }
        try {
            for (InstanceWorker w : workers) {
                if (!w.join(TimeUnit.SECONDS.toMillis(30))) {
                    LOG.warn("an instance of model '{}' is still executing 30 s after unload; it is closed when it finishes", modelName);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** With the lock held: hands due batches to idle workers, or re-arms an idle worker's timer. */
    private void dispatchLocked(long now) {
        while (!idle.isEmpty()) {
            InstanceWorker worker = idle.peekFirst();
            if (!queue.poll(now, worker.batch)) {
                if (queue.size() > 0 && queue.nextWakeNanos() != Long.MAX_VALUE) {
                    worker.wake();
                }
                return;
            }
            idle.pollFirst();
            worker.start(nextSequence++);
        }
    }

    /** With the lock held: the requests that timed out (REJECT), copied out to be failed after unlocking. */
    private List<InferenceRequest> expireLocked(long now) {
        queue.expire(now, expired);
        if (expired.isEmpty()) {
            return List.of();
        }
        List<InferenceRequest> out = new ArrayList<>(expired);
        expired.clear();
        return out;
    }

    private void failTimedOut(List<InferenceRequest> timedOut) {
        for (int i = 0; i < timedOut.size(); i++) {
            fail(timedOut.get(i), Status.unavailable("the request timed out after waiting in the queue of model '" + modelName + "'"),
                    FailureReason.REJECTED);
        }
    }

    @Override
    public void afterInstancesClosed(Runnable action) {
        lock.lock();
        try {
            if (liveWorkers > 0) {
                afterInstancesClosed.add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        action.run();
    }

    // ---- worker threads ----

    @Override
    public void exited(InstanceWorker worker) {
        List<Runnable> actions;
        lock.lock();
        try {
            if (--liveWorkers > 0) {
                return;
            }
            actions = new ArrayList<>(afterInstancesClosed);
            afterInstancesClosed.clear();
        } finally {
            lock.unlock();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("freeing what model '{}' held after its last instance closed failed: {}", modelName, e.toString());
            }
        }
    }

    @Override
    public void work(InstanceWorker worker) {
        while (true) {
            boolean got = false;
            long wakeAt = Long.MAX_VALUE;
            long now = clock.nanoTime();
            List<InferenceRequest> timedOut;
            lock.lock();
            try {
                if (worker.hasBatch()) {
                    got = true;
                    timedOut = List.of();
                } else if (closed) {
                    idle.remove(worker);
                    return;
                } else {
                    timedOut = expireLocked(now);
                    if (queue.poll(now, worker.batch)) {
                        idle.remove(worker);
                        worker.start(nextSequence++);
                        got = true;
                        // Other batches may be due too (another length bucket): give them to idle workers.
                        dispatchLocked(now);
                    } else {
                        if (!idle.contains(worker)) {
                            idle.addLast(worker);
                        }
                        wakeAt = queue.nextWakeNanos();
                    }
                }
            } finally {
                lock.unlock();
            }
            failTimedOut(timedOut);
            if (got) {
                long sequence = worker.take();
                run(worker, worker.batch, sequence);
                worker.batch.clear();
            } else if (wakeAt == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else if (wakeAt - now > 0) {
                LockSupport.parkNanos(this, wakeAt - now);
            }
        }
    }

    private void run(InstanceWorker worker, List<InferenceRequest> batch, long sequence) {
        // A request cancelled since it was batched is dropped here; the others can no longer be
        // completed early, so their inputs stay valid while the backend reads them.
        long admitStart = 0;
        if (hook == null) {
            batch.removeIf(r -> !r.start());
        } else {
            admitStart = clock.nanoTime();
            long releasesBefore = releases.get();
            admitThroughHook(batch, worker.waiting);
            if (!worker.waiting.isEmpty()) {
                putBack(worker.waiting, batch.isEmpty(), releasesBefore);
            }
        }
        if (batch.isEmpty()) {
            if (sequencer != null) {
                sequencer.finished(sequence, batch, null, null);
            }
            return;
        }
        long start = clock.nanoTime();
        // Bringing adapters in is input preparation (Triton's compute_input), not queueing.
        long queuedUntil = hook == null ? start : admitStart;
        long admitNs = start - queuedUntil;
        long rows = 0;
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest r = batch.get(i);
            statistics.recordQueue(queuedUntil - r.arrivalNanos());
            rows += r.batchSize();
        }
        List<InferenceResponse> responses = null;
        Status failure = null;
        try {
            responses = worker.instance.execute(batch);
            if (responses.size() != batch.size()) {
                responses.forEach(InferenceResponse::release);
                responses = null;
                failure = Status.internal("model '" + modelName + "' answered " + batch.size() + " requests with a different count");
            }
        } catch (StatusException e) {
            failure = e.status().isOk() ? Status.internal("backend returned OK as a failure") : e.status();
        } catch (Throwable e) {
            // Even an Error fails the batch's requests rather than leaving them running forever.
            LOG.error("model '{}' failed a batch of {} requests", modelName, batch.size(), e);
            failure = Status.internal("model '" + modelName + "' failed: " + e.getClass().getSimpleName());
        }
        if (hook != null) {
            // The backend no longer reads the slots: they may be evicted from now on.
            hook.executed(batch);
            releases.incrementAndGet();
            if (awaitingResources) {
                resumeAfterRelease();
            }
        }
        if (failure == null) {
            long elapsed = clock.nanoTime() - start;
            ExecutionPhases phases = worker.instance.phases();
            if (phases != null) {
                statistics.recordExecution(rows, batch.size(), admitNs + phases.inputNs(), phases.inferNs(), phases.outputNs());
            } else {
                statistics.recordExecution(rows, batch.size(), admitNs, elapsed, 0);
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

    /**
     * Asks the hook to admit each request of the batch, then starts it. A refused request fails alone;
     * one the hook answers {@link BatchHook#BUSY} moves to {@code waiting}, not started (still
     * cancellable); one cancelled meanwhile gives back what the hook held for it. The batch keeps the
     * started ones, in order. Allocates nothing unless a request was cancelled after its admission.
     */
    private void admitThroughHook(List<InferenceRequest> batch, List<InferenceRequest> waiting) {
        boolean mayWait = sequencer == null;
        int kept = 0;
        boolean freed = false;
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest r = batch.get(i);
            if (r.isDone()) {
                continue;
            }
            if (!waiting.isEmpty()) {
                // An older request waits for resources: later ones must not take them first.
                waiting.add(r);
                continue;
            }
            Status refused;
            try {
                refused = hook.admit(r, mayWait);
            } catch (RuntimeException | Error e) {
                // As for execute: even an Error fails the request rather than the worker and its batch.
                LOG.warn("model '{}': preparing a request failed", modelName, e);
                refused = StatusException.statusOf(e);
            }
            if (refused == BatchHook.BUSY) {
                waiting.add(r);
            } else if (refused != null) {
                fail(r, refused, FailureReason.OTHER);
            } else if (!r.start()) {
                hook.executed(List.of(r));
                freed = true;
            } else {
                batch.set(kept++, r);
            }
        }
        while (batch.size() > kept) {
            batch.remove(batch.size() - 1);
        }
        if (freed) {
            releases.incrementAndGet();
            if (awaitingResources) {
                resumeAfterRelease();
            }
        }
    }

    /**
     * Puts requests that wait for resources back at the head of the queue (clearing {@code waiting});
     * when nothing of the batch could run, the queue pauses until an execution ends, unless one ended
     * since {@code releasesBefore} was read (its end may have come before {@code awaitingResources}
     * was set, and would then not resume the queue).
     */
    private void putBack(List<InferenceRequest> waiting, boolean nothingRuns, long releasesBefore) {
        boolean unloading;
        long earliestDeadline = Long.MAX_VALUE;
        lock.lock();
        try {
            unloading = closed;
            if (!unloading) {
                queue.putBack(waiting);
                earliestDeadline = queue.earliestDeadlineNanos();
                awaitingResources = true;
                if (nothingRuns && releases.get() == releasesBefore) {
                    queue.pauseUntil(clock.nanoTime() + SLOT_RETRY_NS);
                }
            }
        } finally {
            lock.unlock();
        }
        if (unloading) {
            for (int i = 0; i < waiting.size(); i++) {
                fail(waiting.get(i), Status.unavailable("model '" + modelName + "' was unloaded"), FailureReason.REJECTED);
            }
        } else if (reaper != null && earliestDeadline < reaperWakeAt) {
            LockSupport.unpark(reaper); // their timeouts count from their arrival: one may be due already
        }
        waiting.clear();
    }

    /** An execution ended and gave its resources back: requests put back to wait for them may run now. */
    private void resumeAfterRelease() {
        lock.lock();
        try {
            awaitingResources = false;
            queue.resume();
            dispatchLocked(clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    private void deliver(InferenceRequest request, InferenceResponse response, Status failure) {
        try {
            deliverOrThrow(request, response, failure);
        } catch (RuntimeException e) {
            // A listener that throws (an event loop shutting down) must not take the worker with it.
            LOG.warn("delivering a response of model '{}' failed: {}", modelName, e.toString());
        }
    }

    private void deliverOrThrow(InferenceRequest request, InferenceResponse response, Status failure) {
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
        boolean failed;
        try {
            failed = request.fail(status);
        } catch (RuntimeException e) {
            // The request is done (its adapter released); its listener threw (an event loop shutting
            // down). That must not take a worker, its batch or the unload with it.
            LOG.warn("failing a request of model '{}' failed: {}", modelName, e.toString());
            failed = true;
        }
        if (failed) {
            statistics.recordFailure(reason, clock.nanoTime() - request.arrivalNanos());
        }
    }
}
