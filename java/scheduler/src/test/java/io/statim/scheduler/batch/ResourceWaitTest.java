package io.statim.scheduler.batch;

import static io.statim.scheduler.batch.Requests.config;
import static io.statim.scheduler.batch.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.model.config.ModelConfig;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.TestRequests;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Requests whose resources (LoRA slots) are all read by running batches: they go back to the queue,
 * not started, and run in a later batch; they stay cancellable, keep their timeouts and fail when the
 * model is unloaded; a model that preserves ordering refuses them instead.
 */
class ResourceWaitTest {
    private final ModelStatistics statistics = new ModelStatistics(8);

    /**
     * A pool of {@code capacity} resources: each admitted request takes one until its batch has
     * executed; with none left a request is {@link BatchHook#BUSY} (or 429 when it may not wait).
     */
    private static class Pool implements BatchHook {
        final int capacity;
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger busy = new AtomicInteger();
        final Set<InferenceRequest> holding = ConcurrentHashMap.newKeySet();
        final List<Boolean> mayWaitSeen = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch busyOnce = new CountDownLatch(1);

        Pool(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public synchronized Status admit(InferenceRequest request, boolean mayWait) {
            mayWaitSeen.add(mayWait);
            if (held.get() == capacity) {
                if (!mayWait) {
                    return new Status(Code.RESOURCE_EXHAUSTED, "no slot");
                }
                busy.incrementAndGet();
                busyOnce.countDown();
                return BUSY;
            }
            held.incrementAndGet();
            holding.add(request);
            return null;
        }

        @Override
        public synchronized void executed(List<InferenceRequest> batch) {
            for (InferenceRequest r : batch) {
                if (holding.remove(r)) {
                    held.decrementAndGet();
                }
            }
        }
    }

    private DynamicBatcher batcher(ModelConfig config, Pool pool, ModelInstance... instances) {
        return new DynamicBatcher(config, 1, List.of(instances), 100, statistics, NanoClock.SYSTEM, pool);
    }

    private static InferenceRequest now(String id, TestRequests.Outcome outcome) {
        return request(id, 1, 4, System.nanoTime(), InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, outcome);
    }

    /** Starts {@code first} on the only instance and holds it there until the returned latch opens. */
    private static CountDownLatch holdFirst(DynamicBatcher batcher, FakeInstance instance, TestRequests.Outcome first) throws Exception {
        instance.gate = new CountDownLatch(1);
        batcher.submit(now("first", first));
        assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
        return instance.gate;
    }

    @Test
    void requestsThatFindEveryResourceInUseRunInLaterBatchesInsteadOfFailing() throws Exception {
        FakeInstance instance = new FakeInstance();
        Pool pool = new Pool(1);
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { }"), pool, instance)) {
            TestRequests.Outcome first = new TestRequests.Outcome();
            CountDownLatch gate = holdFirst(batcher, instance, first);
            List<TestRequests.Outcome> later = new ArrayList<>();
            for (String id : List.of("b", "c", "d")) {
                TestRequests.Outcome o = new TestRequests.Outcome();
                later.add(o);
                batcher.submit(now(id, o));
            }
            gate.countDown(); // b, c and d form one batch: only b gets the resource, c and d go back
            first.response.get(5, TimeUnit.SECONDS);
            for (TestRequests.Outcome o : later) {
                assertThat(o.response.get(5, TimeUnit.SECONDS)).isNotNull();
            }
        }
        assertThat(instance.executed).containsExactly("first", "b", "c", "d");
        assertThat(instance.batchSizes).containsOnly(1);
        // c is answered BUSY in b's batch and in its own; d goes back behind c without being asked
        // (an older request waits: later ones must not take the resource first).
        assertThat(pool.busy.get()).as("c waited twice").isEqualTo(2);
        assertThat(pool.held.get()).isZero();
        assertThat(statistics.snapshot().successCount()).isEqualTo(4);
        assertThat(statistics.snapshot().failures(FailureReason.OTHER)).isZero();
    }

    /**
     * Two gated instances sharing one resource: {@code first} holds it on one instance, and a request
     * submitted with {@link #submitWaiting} is taken by the other, finds nothing free and goes back.
     */
    private final class OneResourceHeld implements AutoCloseable {
        final FakeInstance a = new FakeInstance();
        final FakeInstance b = new FakeInstance();
        final Pool pool = new Pool(1);
        final TestRequests.Outcome first = new TestRequests.Outcome();
        final DynamicBatcher batcher;

        OneResourceHeld(String batching) throws InterruptedException {
            a.gate = new CountDownLatch(1);
            b.gate = new CountDownLatch(1);
            batcher = batcher(config(8, batching), pool, a, b);
            batcher.submit(now("first", first));
            assertThat(waitFor(() -> pool.held.get() == 1)).as("first holds the resource").isTrue();
        }

        /** Submits {@code request} and waits until it was put back for want of the resource. */
        InferenceRequest submitWaiting(InferenceRequest request) throws InterruptedException {
            batcher.submit(request);
            assertThat(pool.busyOnce.await(5, TimeUnit.SECONDS)).isTrue();
            return request;
        }

        /** Lets first's execution end (and any other). */
        void release() {
            a.gate.countDown();
            b.gate.countDown();
        }

        List<String> executed() {
            List<String> all = new ArrayList<>(a.executed);
            all.addAll(b.executed);
            return all;
        }

        @Override
        public void close() {
            release();
            batcher.close();
        }
    }

    @Test
    void aWaitingRequestOnAnotherInstanceRunsWhenTheBatchHoldingTheResourceEnds() throws Exception {
        try (OneResourceHeld held = new OneResourceHeld("dynamic_batching { }")) {
            TestRequests.Outcome waiting = new TestRequests.Outcome();
            held.submitWaiting(now("waiting", waiting));
            assertThat(waiting.calls).as("a waiting request is not failed").hasValue(0);
            held.release();
            held.first.response.get(5, TimeUnit.SECONDS);
            assertThat(waiting.response.get(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(held.pool.held.get()).isZero();
        }
        assertThat(statistics.snapshot().successCount()).isEqualTo(2);
    }

    @Test
    void aWaitingRequestCanBeCancelledAndNeverRuns() throws Exception {
        try (OneResourceHeld held = new OneResourceHeld("dynamic_batching { }")) {
            TestRequests.Outcome gone = new TestRequests.Outcome();
            InferenceRequest request = held.submitWaiting(now("gone", gone));
            held.batcher.cancel(request);
            assertThat(gone.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.CANCELLED);
            held.release();
            held.first.response.get(5, TimeUnit.SECONDS);
            assertThat(held.executed()).containsExactly("first");
            assertThat(held.pool.held.get()).isZero();
        }
    }

    @Test
    void aWaitingRequestKeepsItsTimeout() throws Exception {
        try (OneResourceHeld held = new OneResourceHeld("dynamic_batching { default_queue_policy { allow_timeout_override: true } }")) {
            TestRequests.Outcome late = new TestRequests.Outcome();
            held.batcher.submit(request("late", 1, 4, System.nanoTime(), InferenceRequest.DEFAULT_PRIORITY,
                    TimeUnit.MILLISECONDS.toNanos(200), late));
            Status status = late.error.get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(status.message()).contains("timed out");
            held.release();
            held.first.response.get(5, TimeUnit.SECONDS);
            assertThat(held.executed()).containsExactly("first");
        }
    }

    @Test
    void unloadingFailsAWaitingRequest() throws Exception {
        OneResourceHeld held = new OneResourceHeld("dynamic_batching { }");
        TestRequests.Outcome waiting = new TestRequests.Outcome();
        held.submitWaiting(now("waiting", waiting));
        Thread closer = Thread.ofPlatform().start(held.batcher::close); // waits for first's execution
        Status status = waiting.error.get(5, TimeUnit.SECONDS);
        assertThat(status.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(status.message()).contains("unloaded");
        held.release();
        closer.join(10_000);
        assertThat(held.first.response.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(held.pool.held.get()).isZero();
    }

    @Test
    void aModelThatPreservesOrderingRefusesInsteadOfReordering() throws Exception {
        FakeInstance instance = new FakeInstance();
        Pool pool = new Pool(1);
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { preserve_ordering: true }"), pool, instance)) {
            TestRequests.Outcome first = new TestRequests.Outcome();
            CountDownLatch gate = holdFirst(batcher, instance, first);
            TestRequests.Outcome b = new TestRequests.Outcome();
            TestRequests.Outcome c = new TestRequests.Outcome();
            batcher.submit(now("b", b));
            batcher.submit(now("c", c));
            gate.countDown();
            assertThat(b.response.get(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(c.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.RESOURCE_EXHAUSTED);
        }
        assertThat(pool.mayWaitSeen).containsOnly(false);
        assertThat(pool.busy.get()).isZero();
        assertThat(instance.executed).containsExactly("first", "b");
    }

    @Test
    void bringingResourcesInCountsAsComputeInputNotAsQueueing() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
        long load = TimeUnit.MILLISECONDS.toNanos(5);
        Pool slow = new Pool(1) {
            @Override
            public synchronized Status admit(InferenceRequest request, boolean mayWait) {
                now.addAndGet(load); // as reading an adapter from disk would take
                return super.admit(request, mayWait);
            }
        };
        FakeInstance instance = new FakeInstance();
        TestRequests.Outcome outcome = new TestRequests.Outcome();
        try (DynamicBatcher batcher = new DynamicBatcher(config(8, "dynamic_batching { }"), 1, List.of(instance), 100, statistics,
                now::get, slow)) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
            batcher.submit(request("r", 1, 4, 1_000, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, outcome));
            outcome.response.get(5, TimeUnit.SECONDS);
        }
        var stats = statistics.snapshot();
        assertThat(stats.queueNs()).as("queued from arrival until the worker took it").isEqualTo(TimeUnit.MILLISECONDS.toNanos(2));
        assertThat(stats.computeInputNs()).as("the adapter load").isEqualTo(load);
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }
}
