package io.statim.scheduler.batch;

import static io.statim.scheduler.batch.Requests.config;
import static io.statim.scheduler.batch.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.model.config.ModelConfig;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.TestRequests;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The threaded batcher: hand-over to instances, shedding, cancellation, ordering and concurrency. */
class DynamicBatcherTest {
    private final ModelStatistics statistics = new ModelStatistics(8);

    private DynamicBatcher batcher(ModelConfig config, int queueCap, ModelInstance... instances) {
        return new DynamicBatcher(config, 1, List.of(instances), queueCap, statistics, NanoClock.SYSTEM);
    }

    private static List<io.statim.core.tensor.Tensor> inputs() {
        return request("x", 1, 0).inputs();
    }

    private static InferenceRequest now(String id, TestRequests.Outcome outcome) {
        return request(id, 1, 4, System.nanoTime(), 0, 0, outcome);
    }

    @Test
    void runsEveryRequestExactlyOnceUnderManyThreads() throws Exception {
        FakeInstance a = new FakeInstance();
        FakeInstance b = new FakeInstance();
        int threads = 8;
        int perThread = 500;
        Set<String> completed = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads * perThread);
        ResponseListener listener = new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                if (!completed.add(response.id())) {
                    duplicates.incrementAndGet();
                }
                done.countDown();
            }

            @Override
            public void onError(Status status) {
                done.countDown();
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { }"), 10_000, a, b)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        batcher.submit(new InferenceRequest(thread + "-" + i, "m", 1, inputs(), List.of(), 1,
                                System.nanoTime(), listener));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdown();
        }
        assertThat(duplicates).hasValue(0);
        assertThat(completed).hasSize(threads * perThread);
        Set<String> ran = new HashSet<>(a.executed);
        ran.addAll(b.executed);
        assertThat(a.executed.size() + b.executed.size()).isEqualTo(threads * perThread);
        assertThat(ran).hasSize(threads * perThread);
        assertThat(statistics.snapshot().successCount()).isEqualTo(threads * perThread);
        assertThat(statistics.snapshot().inferenceCount()).isEqualTo(threads * perThread);
        assertThat(a.closed && b.closed).isTrue();
    }

    @Test
    void formsBatchesLargerThanOneWhileTheInstanceIsBusy() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        List<TestRequests.Outcome> outcomes = new ArrayList<>();
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { }"), 100, instance)) {
            TestRequests.Outcome first = new TestRequests.Outcome();
            batcher.submit(now("first", first));
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 8; i++) {
                TestRequests.Outcome o = new TestRequests.Outcome();
                outcomes.add(o);
                batcher.submit(now("r" + i, o));
            }
            instance.gate.countDown();
            for (TestRequests.Outcome o : outcomes) {
                o.response.get(5, TimeUnit.SECONDS);
            }
        }
        assertThat(instance.batchSizes).containsExactly(1, 8);
        assertThat(statistics.snapshot().batchStats()).extracting(ModelStatistics.BatchStats::batchSize).containsExactly(1, 8);
    }

    @Test
    void neverBatchesAModelWithoutDynamicBatching() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        List<TestRequests.Outcome> outcomes = new ArrayList<>();
        try (DynamicBatcher batcher = batcher(config(8, ""), 100, instance)) {
            for (int i = 0; i < 5; i++) {
                TestRequests.Outcome o = new TestRequests.Outcome();
                outcomes.add(o);
                batcher.submit(now("r" + i, o));
            }
            instance.gate.countDown();
            for (TestRequests.Outcome o : outcomes) {
                o.response.get(5, TimeUnit.SECONDS);
            }
        }
        assertThat(instance.batchSizes).containsOnly(1).hasSize(5);
    }

    @Test
    void refusesAtOnceWhenTheQueueIsFull() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { default_queue_policy { max_queue_size: 2 } }"), 100, instance)) {
            TestRequests.Outcome running = new TestRequests.Outcome();
            batcher.submit(now("running", running));
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            TestRequests.Outcome q1 = new TestRequests.Outcome();
            TestRequests.Outcome q2 = new TestRequests.Outcome();
            TestRequests.Outcome refused = new TestRequests.Outcome();
            batcher.submit(now("q1", q1));
            batcher.submit(now("q2", q2));
            batcher.submit(now("refused", refused));
            Status status = refused.error.getNow(null);
            assertThat(status).isNotNull();
            assertThat(status.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(status.message()).contains("queue of model 'm' is full");
            assertThat(batcher.queuedRequests()).isEqualTo(2);
            instance.gate.countDown();
            assertThat(q2.response.get(5, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(statistics.snapshot().failures(FailureReason.REJECTED)).isEqualTo(1);
    }

    @Test
    void aCancelledQueuedRequestNeverReachesTheBackend() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = batcher(config(1, "dynamic_batching { }"), 100, instance)) {
            TestRequests.Outcome running = new TestRequests.Outcome();
            batcher.submit(now("running", running));
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            TestRequests.Outcome gone = new TestRequests.Outcome();
            InferenceRequest request = now("gone", gone);
            batcher.submit(request);
            batcher.cancel(request);
            assertThat(gone.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.CANCELLED);
            TestRequests.Outcome after = new TestRequests.Outcome();
            batcher.submit(now("after", after));
            instance.gate.countDown();
            after.response.get(5, TimeUnit.SECONDS);
        }
        assertThat(instance.executed).containsExactly("running", "after");
        assertThat(statistics.snapshot().failures(FailureReason.CANCELED)).isEqualTo(1);
        assertThat(statistics.snapshot().successCount()).isEqualTo(2);
    }

    @Test
    void aRunningRequestIsNotCompletedBeforeTheBackendHasFinishedWithItsInputs() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = batcher(config(1, "dynamic_batching { }"), 100, instance)) {
            TestRequests.Outcome outcome = new TestRequests.Outcome();
            InferenceRequest request = now("running", outcome);
            batcher.submit(request);
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            batcher.cancel(request);
            assertThat(outcome.calls).as("the listener frees the inputs: it must wait for the backend").hasValue(0);
            instance.gate.countDown();
            assertThat(outcome.response.get(5, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(statistics.snapshot().failures(FailureReason.CANCELED)).isZero();
    }

    @Test
    void rejectsARequestThatTimedOutWithoutRunningIt() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        // Only the second request has a timeout: with a default one, the first could itself time out
        // before a busy machine's worker picked it up.
        try (DynamicBatcher batcher = batcher(config(1, "dynamic_batching { default_queue_policy { allow_timeout_override: true } }"),
                100, instance)) {
            batcher.submit(now("running", new TestRequests.Outcome()));
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            TestRequests.Outcome expired = new TestRequests.Outcome();
            batcher.submit(request("expired", 1, 4, System.nanoTime(), InferenceRequest.DEFAULT_PRIORITY,
                    TimeUnit.MILLISECONDS.toNanos(1), expired));
            Status status = expired.error.get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(status.message()).contains("timed out");
            instance.gate.countDown();
        }
        assertThat(instance.executed).containsExactly("running");
    }

    @Test
    void preservesOrderingAcrossInstances() throws Exception {
        FakeInstance a = new FakeInstance();
        FakeInstance b = new FakeInstance();
        a.gate = new CountDownLatch(1);
        b.gate = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> delivered = new ConcurrentLinkedQueue<>();
        CountDownLatch all = new CountDownLatch(2);
        ResponseListener listener = new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                delivered.add(response.id());
                all.countDown();
            }

            @Override
            public void onError(Status status) {
                all.countDown();
            }
        };
        try (DynamicBatcher batcher = batcher(config(1, "dynamic_batching { preserve_ordering: true }"), 100, a, b)) {
            batcher.submit(new InferenceRequest("first", "m", 1, inputs(), List.of(), 1, System.nanoTime(), listener));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (a.entered.getCount() + b.entered.getCount() == 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            FakeInstance holdingFirst = a.entered.getCount() == 0 ? a : b;
            FakeInstance other = holdingFirst == a ? b : a;
            batcher.submit(new InferenceRequest("second", "m", 1, inputs(), List.of(), 1, System.nanoTime(), listener));
            assertThat(other.entered.await(5, TimeUnit.SECONDS)).isTrue();
            other.gate.countDown();
            while (other.executions.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(delivered).as("second finished first but must wait for first").isEmpty();
            holdingFirst.gate.countDown();
            assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(delivered).containsExactly("first", "second");
    }

    @Test
    void failsTheBatchWhenTheBackendThrowsAndKeepsServing() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.fail = true;
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { }"), 100, instance)) {
            TestRequests.Outcome o = new TestRequests.Outcome();
            batcher.submit(now("a", o));
            Status status = o.error.get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(Code.INTERNAL);
            assertThat(status.message()).doesNotContain("exploded");
            instance.fail = false;
            TestRequests.Outcome next = new TestRequests.Outcome();
            batcher.submit(now("b", next));
            next.response.get(5, TimeUnit.SECONDS);
        }
        assertThat(statistics.snapshot().failures(FailureReason.BACKEND)).isEqualTo(1);
    }

    @Test
    void failsQueuedRequestsWhenClosed() throws Exception {
        FakeInstance instance = new FakeInstance();
        instance.gate = new CountDownLatch(1);
        DynamicBatcher batcher = batcher(config(1, "dynamic_batching { }"), 100, instance);
        TestRequests.Outcome running = new TestRequests.Outcome();
        batcher.submit(now("running", running));
        assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
        TestRequests.Outcome queued = new TestRequests.Outcome();
        batcher.submit(now("queued", queued));
        Thread closer = Thread.ofPlatform().start(batcher::close);
        assertThat(queued.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.UNAVAILABLE);
        instance.gate.countDown();
        closer.join(10_000);
        assertThat(running.response.isDone()).isTrue();
        TestRequests.Outcome late = new TestRequests.Outcome();
        batcher.submit(now("late", late));
        assertThat(late.error.getNow(null).code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(instance.closed).isTrue();
    }

    @Test
    void refusesAPriorityOverTheModelsLevels() {
        try (DynamicBatcher batcher = batcher(config(8, "dynamic_batching { priority_levels: 2 default_priority_level: 1 }"), 100,
                new FakeInstance())) {
            TestRequests.Outcome o = new TestRequests.Outcome();
            batcher.submit(request("p", 1, 4, System.nanoTime(), 5, 0, o));
            assertThat(o.error.getNow(null).code()).isEqualTo(Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void whatOutlivesTheInstancesRunsOnlyAfterTheLastOneClosed() throws Exception {
        FakeInstance a = new FakeInstance();
        FakeInstance b = new FakeInstance();
        DynamicBatcher batcher = batcher(Requests.config(4, ""), 16, a, b);
        java.util.concurrent.CompletableFuture<Boolean> ranAfterClosed = new java.util.concurrent.CompletableFuture<>();
        batcher.afterInstancesClosed(() -> ranAfterClosed.complete(a.closed && b.closed));
        assertThat(ranAfterClosed).as("deferred while the instances are open").isNotDone();
        batcher.close();
        assertThat(ranAfterClosed.get(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.atomic.AtomicBoolean later = new java.util.concurrent.atomic.AtomicBoolean();
        batcher.afterInstancesClosed(() -> later.set(true));
        assertThat(later).as("at once once every instance is closed").isTrue();
    }
}
