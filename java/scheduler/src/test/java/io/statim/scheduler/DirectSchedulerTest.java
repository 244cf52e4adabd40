package io.statim.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.TestRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DirectSchedulerTest {
    private final HostDevice device = LeakCheck.trackingHostDevice();
    private final ModelStatistics statistics = new ModelStatistics();

    @AfterEach
    void noLeaks() {
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    /** An instance that answers with empty responses, optionally waiting on a gate first. */
    private static final class GatedInstance implements ModelInstance {
        final CountDownLatch gate;
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicInteger executions = new AtomicInteger();
        volatile boolean fail;
        volatile boolean closed;

        GatedInstance(CountDownLatch gate) {
            this.gate = gate;
        }

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
            List<InferenceResponse> out = new ArrayList<>();
            for (InferenceRequest r : batch) {
                out.add(new InferenceResponse(r.modelName(), 1, r.id(), List.of(), List.of()));
            }
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static InferenceRequest request(TestRequests.Outcome outcome) {
        return TestRequests.request("m", List.of(), 1, outcome);
    }

    @Test
    void runsEveryRequestExactlyOnce() throws Exception {
        GatedInstance instance = new GatedInstance(new CountDownLatch(0));
        List<TestRequests.Outcome> outcomes = new ArrayList<>();
        try (DirectScheduler scheduler = new DirectScheduler("m", 1, List.of(instance), 1000, statistics)) {
            for (int i = 0; i < 200; i++) {
                TestRequests.Outcome o = new TestRequests.Outcome();
                outcomes.add(o);
                scheduler.submit(request(o));
            }
            for (TestRequests.Outcome o : outcomes) {
                assertThat(o.response.get(5, TimeUnit.SECONDS)).isNotNull();
            }
        }
        assertThat(outcomes).allSatisfy(o -> assertThat(o.calls).hasValue(1));
        assertThat(statistics.snapshot().successCount()).isEqualTo(200);
        assertThat(statistics.snapshot().executionCount()).isEqualTo(200);
        assertThat(instance.closed).isTrue();
    }

    @Test
    void rejectsAtOnceWhenTheQueueIsFull() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GatedInstance instance = new GatedInstance(gate);
        try (DirectScheduler scheduler = new DirectScheduler("m", 1, List.of(instance), 2, statistics)) {
            TestRequests.Outcome running = new TestRequests.Outcome();
            scheduler.submit(request(running));
            assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
            TestRequests.Outcome queued1 = new TestRequests.Outcome();
            TestRequests.Outcome queued2 = new TestRequests.Outcome();
            TestRequests.Outcome refused = new TestRequests.Outcome();
            scheduler.submit(request(queued1));
            scheduler.submit(request(queued2));
            scheduler.submit(request(refused));
            Status status = refused.error.getNow(null);
            assertThat(status).isNotNull();
            assertThat(status.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(status.message()).contains("queue of model 'm' is full");
            gate.countDown();
            assertThat(queued2.response.get(5, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void failsTheBatchWithInternalWhenTheBackendThrows() throws Exception {
        GatedInstance instance = new GatedInstance(new CountDownLatch(0));
        instance.fail = true;
        try (DirectScheduler scheduler = new DirectScheduler("m", 1, List.of(instance), 10, statistics)) {
            TestRequests.Outcome o = new TestRequests.Outcome();
            scheduler.submit(request(o));
            Status status = o.error.get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(Code.INTERNAL);
            assertThat(status.message()).doesNotContain("exploded");
            TestRequests.Outcome next = new TestRequests.Outcome();
            instance.fail = false;
            scheduler.submit(request(next));
            assertThat(next.response.get(5, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(statistics.snapshot().failCount()).isEqualTo(1);
    }

    @Test
    void failsQueuedRequestsWhenClosed() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GatedInstance instance = new GatedInstance(gate);
        DirectScheduler scheduler = new DirectScheduler("m", 1, List.of(instance), 10, statistics);
        TestRequests.Outcome running = new TestRequests.Outcome();
        scheduler.submit(request(running));
        assertThat(instance.entered.await(5, TimeUnit.SECONDS)).isTrue();
        TestRequests.Outcome queued = new TestRequests.Outcome();
        scheduler.submit(request(queued));
        Thread closer = Thread.ofPlatform().start(scheduler::close);
        gate.countDown();
        closer.join(10_000);
        assertThat(running.calls.get() + queued.calls.get()).isEqualTo(2);
        if (queued.error.isDone()) {
            assertThat(queued.error.get().code()).isEqualTo(Code.UNAVAILABLE);
        }
        TestRequests.Outcome late = new TestRequests.Outcome();
        scheduler.submit(request(late));
        assertThat(late.error.getNow(null).code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(instance.closed).isTrue();
    }

    @Test
    void spreadsRequestsOverAllInstances() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GatedInstance a = new GatedInstance(gate);
        GatedInstance b = new GatedInstance(gate);
        try (DirectScheduler scheduler = new DirectScheduler("m", 1, List.of(a, b), 10, statistics)) {
            List<TestRequests.Outcome> outcomes = List.of(new TestRequests.Outcome(), new TestRequests.Outcome());
            outcomes.forEach(o -> scheduler.submit(request(o)));
            assertThat(a.entered.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(b.entered.await(5, TimeUnit.SECONDS)).isTrue();
            gate.countDown();
            for (TestRequests.Outcome o : outcomes) {
                o.response.get(5, TimeUnit.SECONDS);
            }
        }
    }
}
