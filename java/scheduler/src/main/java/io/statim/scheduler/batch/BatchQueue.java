package io.statim.scheduler.batch;

import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.QueuePolicy;
import io.statim.runtime.InferenceRequest;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * The decisions of Triton's dynamic batcher over one model's waiting requests, without threads: the
 * batcher thread owns it and calls it with the time, so tests drive it with a fake clock.
 *
 * <p>Order: level 1 first; within a level, requests that have not timed out in arrival order, then
 * those delayed by a DELAY timeout. A batch is a prefix of that order whose requests have the same
 * non-batch dimensions, up to {@code max_batch_size} rows; for text models the batch takes only texts
 * of the oldest request's {@link LengthBuckets length bucket}, passing over the others, so that
 * padding to the batch's longest text stays cheap. It is sent when it is full (or the next
 * request cannot join), when a prefix reaches a preferred size (the largest such prefix), or when its
 * oldest request has waited {@code max_queue_delay}; otherwise it waits for more.
 *
 * <p>Cancelled requests are dropped when met; timed-out ones are rejected or delayed by their level's
 * policy. Every request that leaves gives its {@link Admission} place back. Not thread-safe; no
 * allocation in steady state.
 */
public final class BatchQueue {
    private final BatchingPolicy policy;
    private final Admission admission;
    private final ArrayDeque<InferenceRequest>[] fresh;
    private final ArrayDeque<InferenceRequest>[] delayed;
    private final long[] prefixRows;
    private long earliestDeadline = Long.MAX_VALUE;
    private long nextWake = Long.MAX_VALUE;
    /** No batch forms before this time (see {@link #pauseUntil}); {@link Long#MIN_VALUE} when not paused. */
    private long pausedUntil = Long.MIN_VALUE;
    /** Requests were put back at the head: the next batch is sent without waiting for more. */
    private boolean putBackDue;
    private int size;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ArrayDeque<InferenceRequest>[] deques(int n) {
        return new ArrayDeque[n];
    }

    public BatchQueue(BatchingPolicy policy, Admission admission) {
        this.policy = policy;
        this.admission = admission;
        this.fresh = deques(policy.levels() + 1);
        this.delayed = deques(policy.levels() + 1);
        for (int level = 1; level <= policy.levels(); level++) {
            fresh[level] = new ArrayDeque<>();
            delayed[level] = new ArrayDeque<>();
        }
        this.prefixRows = new long[policy.maxRows() + 1];
    }

    /** Queues an admitted request at its level. */
    public void add(InferenceRequest request) {
        int level = policy.level(request);
        fresh[level].addLast(request);
        size++;
        earliestDeadline = Math.min(earliestDeadline, policy.deadline(request, level));
    }

    /**
     * Puts requests taken by {@link #poll} back at the head of their levels, in the order given, with
     * their places in the {@link Admission} taken again: they keep their arrival times, so their
     * timeouts go on counting from their arrival, and the next batch is due at once (they were due
     * already: they do not wait for a batch to fill again).
     */
    public void putBack(List<InferenceRequest> requests) {
        for (int i = requests.size() - 1; i >= 0; i--) {
            InferenceRequest r = requests.get(i);
            int level = policy.level(r);
            fresh[level].addFirst(r);
            size++;
            admission.reacquire(level);
            earliestDeadline = Math.min(earliestDeadline, policy.deadline(r, level));
        }
        putBackDue |= !requests.isEmpty();
    }

    /**
     * Forms no batch before {@code nanos} (nor before {@link #resume}): for when the requests at the
     * head cannot run until a running batch ends. Timeouts go on as usual.
     */
    public void pauseUntil(long nanos) {
        pausedUntil = nanos;
    }

    /** Ends a {@link #pauseUntil pause}. */
    public void resume() {
        pausedUntil = Long.MIN_VALUE;
    }

    /** Requests waiting, cancelled ones included until they are met. */
    public int size() {
        return size;
    }

    /**
     * Rejects or delays the requests whose timeout has passed at {@code now}; rejected ones are
     * added to {@code rejected} for the caller to fail.
     */
    public void expire(long now, List<InferenceRequest> rejected) {
        if (now < earliestDeadline) {
            return;
        }
        long earliest = Long.MAX_VALUE;
        for (int level = 1; level <= policy.levels(); level++) {
            boolean delay = policy.policy(level).timeoutAction() == QueuePolicy.TimeoutAction.DELAY;
            for (Iterator<InferenceRequest> it = fresh[level].iterator(); it.hasNext(); ) {
                InferenceRequest r = it.next();
                long deadline = policy.deadline(r, level);
                if (deadline > now) {
                    earliest = Math.min(earliest, deadline);
                    continue;
                }
                it.remove();
                if (delay) {
                    delayed[level].addLast(r);
                } else {
                    leave(level);
                    rejected.add(r);
                }
            }
        }
        earliestDeadline = earliest;
    }

    /**
     * Forms the batch due at {@code now}, if any, into {@code batch} (cleared first) and removes it
     * from the queue. Call only when an instance is free to run it.
     *
     * @return true when {@code batch} holds a batch to run now
     */
    public boolean poll(long now, List<InferenceRequest> batch) {
        batch.clear();
        nextWake = Long.MAX_VALUE;
        if (pausedUntil != Long.MIN_VALUE) {
            if (now - pausedUntil < 0) {
                nextWake = pausedUntil;
                return false;
            }
            pausedUntil = Long.MIN_VALUE;
        }
        boolean closed = collect(batch);
        if (batch.isEmpty()) {
            putBackDue = false; // what was put back has been cancelled or has expired since
            return false;
        }
        int take = decide(now, batch, closed);
        if (take == 0) {
            batch.clear();
            return false;
        }
        while (batch.size() > take) {
            batch.remove(batch.size() - 1);
        }
        removeSent(batch);
        putBackDue = false;
        return true;
    }

    /**
     * When {@link #poll} or {@link #expire} should run again if nothing arrives: the oldest
     * request's queue delay or the earliest timeout, or {@link Long#MAX_VALUE}.
     */
    public long nextWakeNanos() {
        return Math.min(nextWake, earliestDeadline);
    }

    /** Drops every cancelled request now, giving its place back (called when a cancellation is signalled). */
    public void dropCancelled() {
        for (int level = 1; level <= policy.levels(); level++) {
            for (int pass = 0; pass < 2; pass++) {
                ArrayDeque<InferenceRequest> q = pass == 0 ? fresh[level] : delayed[level];
                for (Iterator<InferenceRequest> it = q.iterator(); it.hasNext(); ) {
                    if (it.next().isDone()) {
                        it.remove();
                        leave(level);
                    }
                }
            }
        }
    }

    /** The earliest timeout of a waiting request, or {@link Long#MAX_VALUE}. */
    public long earliestDeadlineNanos() {
        return earliestDeadline;
    }

    /** Removes every waiting request into {@code out} (for shutdown). */
    public void drain(List<InferenceRequest> out) {
        for (int level = 1; level <= policy.levels(); level++) {
            for (ArrayDeque<InferenceRequest> q : List.of(fresh[level], delayed[level])) {
                InferenceRequest r;
                while ((r = q.pollFirst()) != null) {
                    leave(level);
                    out.add(r);
                }
            }
        }
    }

    /**
     * Collects the candidate batch: a prefix of the order, except that with length buckets a request
     * of another bucket is passed over instead of ending the batch. Returns true when it cannot grow
     * (full, or the next request cannot join).
     */
    private boolean collect(List<InferenceRequest> batch) {
        long rows = 0;
        int bucket = -1;
        for (int level = 1; level <= policy.levels(); level++) {
            for (int pass = 0; pass < 2; pass++) {
                ArrayDeque<InferenceRequest> q = pass == 0 ? fresh[level] : delayed[level];
                for (Iterator<InferenceRequest> it = q.iterator(); it.hasNext(); ) {
                    InferenceRequest r = it.next();
                    if (r.isDone()) {
                        it.remove();
                        leave(level);
                        continue;
                    }
                    if (batch.isEmpty()) {
                        bucket = policy.bucketsByLength() ? LengthBuckets.of(r) : -1;
                    } else {
                        if (!policy.merges() || rows + r.batchSize() > policy.maxRows() || !compatible(batch.get(0), r)) {
                            return true;
                        }
                        if (bucket >= 0 && LengthBuckets.of(r) != bucket) {
                            continue;
                        }
                    }
                    batch.add(r);
                    rows += r.batchSize();
                    prefixRows[batch.size()] = rows;
                    if (rows >= policy.maxRows() || !policy.merges()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** How many of the collected requests to send now; 0 to wait. */
    private int decide(long now, List<InferenceRequest> batch, boolean closed) {
        if (closed || putBackDue) {
            return batch.size();
        }
        int[] preferred = policy.preferred();
        for (int k = batch.size(); k >= 1 && preferred.length > 0; k--) {
            if (isPreferred(prefixRows[k], preferred)) {
                return k;
            }
        }
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            oldest = Math.min(oldest, batch.get(i).arrivalNanos());
        }
        long due = oldest + policy.maxQueueDelayNs();
        if (now - due >= 0) {
            return batch.size();
        }
        nextWake = due;
        return 0;
    }

    private static boolean isPreferred(long rows, int[] preferred) {
        for (int p : preferred) {
            if (p == rows) {
                return true;
            }
        }
        return false;
    }

    /** Removes the requests of the batch just sent, which are the first ones of the order met in it. */
    private void removeSent(List<InferenceRequest> sent) {
        int left = sent.size();
        for (int level = 1; level <= policy.levels() && left > 0; level++) {
            for (int pass = 0; pass < 2 && left > 0; pass++) {
                ArrayDeque<InferenceRequest> q = pass == 0 ? fresh[level] : delayed[level];
                for (Iterator<InferenceRequest> it = q.iterator(); it.hasNext() && left > 0; ) {
                    if (containsIdentical(sent, it.next())) {
                        it.remove();
                        leave(level);
                        left--;
                    }
                }
            }
        }
    }

    private static boolean containsIdentical(List<InferenceRequest> list, InferenceRequest r) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == r) {
                return true;
            }
        }
        return false;
    }

    private void leave(int level) {
        size--;
        admission.release(level);
    }

    /** Requests can share a batch when every input has the same non-batch dimensions. */
    static boolean compatible(InferenceRequest a, InferenceRequest b) {
        List<Tensor> inputs = a.inputs();
        if (inputs.size() != b.inputs().size()) {
            return false;
        }
        for (int i = 0; i < inputs.size(); i++) {
            Tensor ta = inputs.get(i);
            Tensor tb = b.input(ta.name());
            if (tb == null || !sameNonBatchDims(ta.shape(), tb.shape())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameNonBatchDims(Shape a, Shape b) {
        if (a.rank() != b.rank()) {
            return false;
        }
        for (int d = 1; d < a.rank(); d++) {
            if (a.dim(d) != b.dim(d)) {
                return false;
            }
        }
        return true;
    }
}
