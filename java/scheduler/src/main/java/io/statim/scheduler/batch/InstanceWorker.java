package io.statim.scheduler.batch;

import io.statim.runtime.InferenceRequest;
import io.statim.runtime.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One model instance and the thread that owns it. The thread runs {@link Loop#work}; a worker that
 * waits for work parks, and whoever hands it a batch fills {@link #batch} and calls
 * {@link #start}. Nothing is allocated per batch.
 */
final class InstanceWorker {
    /** The worker's life, implemented by the batcher. */
    interface Loop {
        void work(InstanceWorker worker);

        /** The worker's thread is ending: its instance is closed. Runs on that thread. */
        void exited(InstanceWorker worker);
    }

    final ModelInstance instance;
    final List<InferenceRequest> batch;
    /** Requests of the batch that go back to the queue to wait for resources held by running batches. */
    final List<InferenceRequest> waiting = new ArrayList<>();
    private final Thread thread;
    private volatile boolean started;
    private long sequence;

    InstanceWorker(ModelInstance instance, int maxRequests, Loop loop, String threadName) {
        this.instance = instance;
        this.batch = new ArrayList<>(maxRequests);
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(() -> {
            try {
                loop.work(this);
            } finally {
                try {
                    instance.close();
                } finally {
                    loop.exited(this);
                }
            }
        });
    }

    void startThread() {
        thread.start();
    }

    /**
     * Gives a parked worker the batch just put in {@link #batch}, numbered {@code sequence}. Called
     * with the batcher's lock held, by the thread that took the worker off the idle list.
     */
    void start(long sequence) {
        this.sequence = sequence;
        started = true;
        LockSupport.unpark(thread);
    }

    /** True once {@link #start} handed a batch over; {@link #take} resets it. */
    boolean hasBatch() {
        return started;
    }

    /** The worker takes the batch it was given; returns its sequence number. */
    long take() {
        started = false;
        return sequence;
    }

    /** Wakes the worker so that it looks at the queue again (a timer or a shutdown). */
    void wake() {
        LockSupport.unpark(thread);
    }

    /** Waits for the thread to end; false when it is still running after {@code millis}. */
    boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }
}
