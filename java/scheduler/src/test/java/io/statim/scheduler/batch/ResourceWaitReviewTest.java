package io.statim.scheduler.batch;

import static io.statim.scheduler.batch.Requests.config;
import static io.statim.scheduler.batch.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.status.Status;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.TestRequests;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Review of the put-back of requests whose LoRA slot is busy: an older waiting request is not overtaken for ever. */
class ResourceWaitReviewTest {
    private final ModelStatistics statistics = new ModelStatistics(8);

    /**
     * One LoRA slot, as AdapterRegistry does it: a request whose adapter is in the slot shares it (a
     * hit); another adapter can take it only when no running batch reads it, else BUSY. The adapter is
     * the request id's first letter.
     */
    private static final class OneSlot implements BatchHook {
        String owner;
        int uses;
        final Map<InferenceRequest, Boolean> holding = new HashMap<>();

        @Override
        public synchronized Status admit(InferenceRequest request, boolean mayWait) {
            String adapter = request.id().substring(0, 1);
            if (!adapter.equals(owner)) {
                if (uses > 0) {
                    return BUSY;
                }
                owner = adapter;
            }
            uses++;
            holding.put(request, true);
            return null;
        }

        @Override
        public synchronized void executed(List<InferenceRequest> batch) {
            for (InferenceRequest r : batch) {
                if (holding.remove(r) != null) {
                    uses--;
                }
            }
        }
    }

    /** An instance whose executions each wait for their own gate (by the batch's first request id). */
    private static final class Gated implements ModelInstance {
        final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        final List<String> executed;
        volatile boolean open;

        Gated(List<String> executed) {
            this.executed = executed;
        }

        @Override
        public List<InferenceResponse> execute(List<InferenceRequest> batch) {
            List<InferenceResponse> out = new ArrayList<>();
            for (InferenceRequest r : batch) {
                executed.add(r.id());
                out.add(new InferenceResponse(r.modelName(), 1, r.id(), List.of(), List.of()));
            }
            try {
                if (!open) {
                    gate(batch.get(0).id()).await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }

        CountDownLatch gate(String id) {
            return gates.computeIfAbsent(id, k -> new CountDownLatch(1));
        }

        @Override
        public void close() {
        }
    }

    private static InferenceRequest now(String id, TestRequests.Outcome outcome) {
        return request(id, 1, 4, System.nanoTime(), InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, outcome);
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        return waitFor(condition, 5000);
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /**
     * Two instances, one slot, adapter A busy on one instance: b (adapter B) is put back at the head,
     * but every later batch that takes it also takes the A requests behind it, which hit A's slot and
     * run, so A's slot is read by some running batch at every moment b is looked at again. Each A
     * execution here ends only after the next A request arrived and started on the other instance
     * (steady A traffic on two instances does just that); b, older than all of them, never runs.
     */
    @Test
    void aPutBackRequestIsNotOvertakenForeverByLaterRequestsOfTheBusyAdapter() throws Exception {
        List<String> executed = new CopyOnWriteArrayList<>();
        Gated x = new Gated(executed);
        Gated y = new Gated(executed);
        OneSlot slot = new OneSlot();
        TestRequests.Outcome b = new TestRequests.Outcome();
        List<TestRequests.Outcome> as = new ArrayList<>();
        try (DynamicBatcher batcher = new DynamicBatcher(config(8, "dynamic_batching { }"), 1, List.of(x, y), 100, statistics,
                NanoClock.SYSTEM, slot)) {
            TestRequests.Outcome a0 = new TestRequests.Outcome();
            as.add(a0);
            batcher.submit(now("a0", a0));
            assertThat(waitFor(() -> executed.contains("a0"))).isTrue();
            batcher.submit(now("b", b)); // the other instance takes it: BUSY, back at the head
            String previous = "a0";
            for (int i = 1; i <= 6 && !executed.contains("b"); i++) {
                String id = "a" + i;
                TestRequests.Outcome o = new TestRequests.Outcome();
                as.add(o);
                batcher.submit(now(id, o)); // joins b in the next batch: b is BUSY again, a_i runs
                waitFor(() -> executed.contains(id) || executed.contains("b"), 300);
                x.gate(previous).countDown(); // the A batch before it ends now (on whichever instance)
                y.gate(previous).countDown();
                previous = id;
            }
            // Room for a slow machine: the last A batch still holds the slot, so without a fix b stays BUSY.
            boolean bRan = waitFor(() -> executed.contains("b"));
            List<String> order = List.copyOf(executed);
            openAll(x, y);
            assertThat(b.response.get(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(bRan).as("b, older than a1..a6, ran while they were served; order " + order).isTrue();
        } finally {
            openAll(x, y);
        }
    }

    private static void openAll(Gated... instances) {
        for (Gated g : instances) {
            g.open = true;
            g.gates.values().forEach(CountDownLatch::countDown);
        }
    }
}
