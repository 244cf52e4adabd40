package io.statim.scheduler.batch;

import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model instance for scheduler tests that controls timing (a gate to hold executions) and records
 * what it ran: the scheduler's behaviour is under test, not a backend's.
 */
final class FakeInstance implements ModelInstance {
    final ConcurrentLinkedQueue<String> executed = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Integer> batchSizes = new ConcurrentLinkedQueue<>();
    final CountDownLatch entered = new CountDownLatch(1);
    final AtomicInteger executions = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile boolean fail;
    volatile boolean closed;

    @Override
    public List<InferenceResponse> execute(List<InferenceRequest> batch) {
        entered.countDown();
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executions.incrementAndGet();
        if (fail) {
            throw new IllegalStateException("backend exploded");
        }
        List<InferenceResponse> out = new ArrayList<>(batch.size());
        long rows = 0;
        for (InferenceRequest r : batch) {
            executed.add(r.id());
            rows += r.batchSize();
            out.add(new InferenceResponse(r.modelName(), 1, r.id(), List.of(), List.of()));
        }
        batchSizes.add((int) rows);
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
