package io.statim.scheduler.batch;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Counts the requests each priority level holds against its capacity, so that a full queue is
 * refused at once on the submitting thread. Acquired by submitters (any thread), released by the
 * batcher thread when a request leaves the queue (dispatched, expired or dropped). Allocation-free.
 */
public final class Admission {
    private final BatchingPolicy policy;
    private final AtomicIntegerArray held;

    public Admission(BatchingPolicy policy) {
        this.policy = policy;
        this.held = new AtomicIntegerArray(policy.levels() + 1);
    }

    /** Takes a place at a level; false when the level is full. */
    public boolean tryAcquire(int level) {
        int capacity = policy.capacity(level);
        while (true) {
            int now = held.get(level);
            if (now >= capacity) {
                return false;
            }
            if (held.compareAndSet(level, now, now + 1)) {
                return true;
            }
        }
    }

    /**
     * Takes a place again for a request that held one and is put back in the queue: it was admitted
     * already, so the capacity is not checked (the level may hold more than its capacity for a while).
     */
    public void reacquire(int level) {
        held.incrementAndGet(level);
    }

    /** Gives a place back. */
    public void release(int level) {
        held.decrementAndGet(level);
    }

    /** Requests held at all levels: the pending-request count. */
    public int held() {
        int sum = 0;
        for (int level = 1; level < held.length(); level++) {
            sum += held.get(level);
        }
        return sum;
    }
}
