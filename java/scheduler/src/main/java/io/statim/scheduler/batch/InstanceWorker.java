package io.statim.scheduler.batch;

import io.statim.runtime.InferenceRequest;
import io.statim.runtime.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One model instance and the thread that owns it. The batcher thread fills {@link #batch} while the
 * worker is idle and then calls {@link #start}; the worker runs the batch, clears it and reports
 * itself idle again. The hand-over is a volatile flag and a park/unpark, so nothing is allocated per
 * batch.
 */
final class InstanceWorker implements Runnable {
    /** What the worker does with a batch; implemented by the batcher. */
    interface Runner {
        void run(InstanceWorker worker, List<InferenceRequest> batch, long sequence);

        void idle(InstanceWorker worker);
    }

    final ModelInstance instance;
    final List<InferenceRequest> batch;
    private final Runner runner;
    private final Thread thread;
    private volatile boolean hasWork;
    private volatile boolean stopping;
    private long sequence;

    InstanceWorker(ModelInstance instance, int maxRequests, Runner runner, String threadName) {
        this.instance = instance;
        this.batch = new ArrayList<>(maxRequests);
        this.runner = runner;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this);
    }

    void startThread() {
        thread.start();
    }

    /** Batcher thread: runs {@link #batch}, which it has just filled, as batch number {@code sequence}. */
    void start(long sequence) {
        this.sequence = sequence;
        hasWork = true;
        LockSupport.unpark(thread);
    }

    /** Stops after the running batch, if any; then the thread closes the instance. */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    @Override
    public void run() {
        try {
            runner.idle(this);
            while (true) {
                while (!hasWork) {
                    if (stopping) {
                        return;
                    }
                    LockSupport.park(this);
                }
                hasWork = false;
                runner.run(this, batch, sequence);
                batch.clear();
                if (stopping) {
                    return;
                }
                runner.idle(this);
            }
        } finally {
            instance.close();
        }
    }
}
