package io.statim.scheduler;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded per-model queue drained by one worker thread per model instance, one request per
 * execution: the scheduler of models that do not batch. Each worker owns its {@link ModelInstance}
 * (one writer per backend session) and takes the next request whenever it is free, so a slow request
 * on one instance never holds back the others.
 */
public final class DirectScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(DirectScheduler.class);

    private final String modelName;
    private final BlockingQueue<InferenceRequest> queue;
    private final ModelStatistics statistics;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Starts one worker per instance. Takes ownership of the instances: they are closed by
     * {@link #close()}.
     *
     * @param maxQueueSize requests that may wait; one more is refused with UNAVAILABLE
     */
    public DirectScheduler(String modelName, long version, List<ModelInstance> instances, int maxQueueSize, ModelStatistics statistics) {
        if (maxQueueSize < 1) {
            throw new IllegalArgumentException("maxQueueSize=" + maxQueueSize + " must be >= 1");
        }
        this.modelName = modelName;
        this.queue = new ArrayBlockingQueue<>(maxQueueSize);
        this.statistics = statistics;
        for (int i = 0; i < instances.size(); i++) {
            ModelInstance instance = instances.get(i);
            Thread worker = Thread.ofPlatform().name("statim-" + modelName + "-v" + version + "-" + i).daemon()
                    .unstarted(() -> work(instance));
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    @Override
    public void submit(InferenceRequest request) {
        if (closed) {
            fail(request, Status.unavailable("model '" + modelName + "' is being unloaded"));
            return;
        }
        if (!queue.offer(request)) {
            fail(request, Status.unavailable("the queue of model '" + modelName + "' is full"));
        }
    }

    @Override
    public int queuedRequests() {
        return queue.size();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            worker.interrupt();
        }
        for (Thread worker : workers) {
            try {
                worker.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        InferenceRequest left;
        while ((left = queue.poll()) != null) {
            fail(left, Status.unavailable("model '" + modelName + "' was unloaded"));
        }
    }

    private void work(ModelInstance instance) {
        List<InferenceRequest> batch = new ArrayList<>(1);
        try {
            while (!closed) {
                InferenceRequest request;
                try {
                    request = queue.take();
                } catch (InterruptedException e) {
                    break;
                }
                if (request.isDone()) {
                    continue;
                }
                batch.clear();
                batch.add(request);
                run(instance, batch);
            }
        } finally {
            try {
                instance.close();
            } catch (RuntimeException e) {
                LOG.warn("closing an instance of model '{}' failed: {}", modelName, e.getMessage());
            }
        }
    }

    private void run(ModelInstance instance, List<InferenceRequest> batch) {
        long start = System.nanoTime();
        long rows = 0;
        for (InferenceRequest r : batch) {
            statistics.recordQueue(start - r.arrivalNanos());
            rows += r.batchSize();
        }
        List<InferenceResponse> responses;
        try {
            responses = instance.execute(batch);
        } catch (StatusException e) {
            failAll(batch, e.status());
            return;
        } catch (RuntimeException e) {
            LOG.error("model '{}' failed a batch of {} requests", modelName, batch.size(), e);
            failAll(batch, Status.internal("model '" + modelName + "' failed: " + e.getClass().getSimpleName()));
            return;
        }
        long end = System.nanoTime();
        statistics.recordExecution(rows, batch.size(), 0, end - start, 0);
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest r = batch.get(i);
            statistics.recordSuccess(end - r.arrivalNanos());
            r.complete(responses.get(i));
        }
    }

    private void failAll(List<InferenceRequest> batch, Status status) {
        Status failure = status.code() == Code.OK ? Status.internal("backend returned OK as a failure") : status;
        for (InferenceRequest r : batch) {
            fail(r, failure);
        }
    }

    private void fail(InferenceRequest request, Status status) {
        statistics.recordFailure(status.code() == Code.UNAVAILABLE ? FailureReason.REJECTED : FailureReason.BACKEND,
                System.nanoTime() - request.arrivalNanos());
        request.fail(status);
    }
}
