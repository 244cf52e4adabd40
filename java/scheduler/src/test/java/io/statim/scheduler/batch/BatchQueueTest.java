package io.statim.scheduler.batch;

import static io.statim.scheduler.batch.Requests.config;
import static io.statim.scheduler.batch.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.config.ModelConfig;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.TestRequests;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Triton's batching decisions, driven by a fake clock: no threads, no sleeps. */
class BatchQueueTest {
    private static final long US = 1_000;
    private final List<InferenceRequest> batch = new ArrayList<>();
    private final List<InferenceRequest> rejected = new ArrayList<>();
    private Admission admission;

    private BatchingPolicy currentPolicy;

    private BatchQueue start(ModelConfig config) {
        currentPolicy = new BatchingPolicy(config, 100);
        admission = new Admission(currentPolicy);
        return new BatchQueue(currentPolicy, admission);
    }

    private void admit(BatchQueue q, InferenceRequest r) {
        assertThat(admission.tryAcquire(currentPolicy.level(r))).isTrue();
        q.add(r);
    }

    private List<String> ids() {
        return batch.stream().map(InferenceRequest::id).toList();
    }

    @Test
    void flushesAPartialBatchAfterTheMaxQueueDelay() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 100 }"));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 2, 10 * US));
        assertThat(q.poll(50 * US, batch)).isFalse();
        assertThat(q.nextWakeNanos()).isEqualTo(100 * US);
        assertThat(q.poll(99 * US, batch)).isFalse();
        assertThat(q.poll(100 * US, batch)).isTrue();
        assertThat(ids()).containsExactly("a", "b");
        assertThat(q.size()).isZero();
        assertThat(admission.held()).isZero();
    }

    @Test
    void flushesAsSoonAsAPreferredSizeIsReached() {
        BatchQueue q = start(config(8, "dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 1000000 }"));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 2, 0));
        assertThat(q.poll(1, batch)).isFalse();
        admit(q, request("c", 1, 0));
        assertThat(q.poll(2, batch)).isTrue();
        assertThat(ids()).containsExactly("a", "b", "c");
    }

    @Test
    void sendsTheLargestPrefixOfAPreferredSize() {
        BatchQueue q = start(config(16, "dynamic_batching { preferred_batch_size: [ 2, 4 ] max_queue_delay_microseconds: 1000000 }"));
        for (String id : List.of("a", "b", "c", "d", "e")) {
            admit(q, request(id, 1, 0));
        }
        assertThat(q.poll(1, batch)).isTrue();
        assertThat(ids()).containsExactly("a", "b", "c", "d");
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void batchesAsLargeAsPossibleWithoutDelayWhenNoOptionsAreGiven() {
        BatchQueue q = start(config(8, "dynamic_batching { }"));
        admit(q, request("a", 3, 0));
        admit(q, request("b", 3, 0));
        admit(q, request("c", 3, 0));
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("a", "b");
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("c");
    }

    @Test
    void neverMergesRequestsWhoseNonBatchDimensionsDiffer() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 1000 }"));
        admit(q, request("a", 1, 4, 0, 0, 0, new TestRequests.Outcome()));
        admit(q, request("b", 1, 5, 0, 0, 0, new TestRequests.Outcome()));
        admit(q, request("c", 1, 4, 0, 0, 0, new TestRequests.Outcome()));
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("a");
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("b");
    }

    @Test
    void runsEveryRequestAloneWithoutDynamicBatching() {
        BatchQueue q = start(config(8, ""));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 1, 0));
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("a");
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("b");
    }

    @Test
    void servesHigherPriorityLevelsFirst() {
        BatchQueue q = start(config(2, "dynamic_batching { priority_levels: 3 default_priority_level: 2 }"));
        admit(q, request("low", 1, 4, 0, 3, 0, new TestRequests.Outcome()));
        admit(q, request("default", 1, 4, 1, 0, 0, new TestRequests.Outcome()));
        admit(q, request("high", 1, 4, 2, 1, 0, new TestRequests.Outcome()));
        assertThat(q.poll(5, batch)).isTrue();
        assertThat(ids()).containsExactly("high", "default");
        assertThat(q.poll(5, batch)).isTrue();
        assertThat(ids()).containsExactly("low");
    }

    @Test
    void rejectsARequestThatTimesOutWhileWaiting() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 1000 "
                + "default_queue_policy { default_timeout_microseconds: 100 } }"));
        admit(q, request("a", 1, 0));
        q.expire(99 * US, rejected);
        assertThat(rejected).isEmpty();
        assertThat(q.earliestDeadlineNanos()).isEqualTo(100 * US);
        q.expire(100 * US, rejected);
        assertThat(rejected).extracting(InferenceRequest::id).containsExactly("a");
        assertThat(q.size()).isZero();
        assertThat(admission.held()).isZero();
    }

    @Test
    void delaysATimedOutRequestBehindTheOnesThatHaveNot() {
        BatchQueue q = start(config(1, "dynamic_batching { default_queue_policy { timeout_action: DELAY "
                + "default_timeout_microseconds: 100 } }"));
        admit(q, request("old", 1, 0));
        admit(q, request("new", 1, 150 * US));
        q.expire(150 * US, rejected);
        assertThat(rejected).isEmpty();
        assertThat(q.poll(150 * US, batch)).isTrue();
        assertThat(ids()).containsExactly("new");
        assertThat(q.poll(150 * US, batch)).isTrue();
        assertThat(ids()).containsExactly("old");
    }

    @Test
    void aRequestTimeoutOnlyLowersTheDefault() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 1000000 default_queue_policy { "
                + "default_timeout_microseconds: 100 allow_timeout_override: true } }"));
        admit(q, request("longer", 1, 4, 0, 0, 500 * US, new TestRequests.Outcome()));
        admit(q, request("shorter", 1, 4, 0, 0, 20 * US, new TestRequests.Outcome()));
        q.expire(20 * US, rejected);
        assertThat(rejected).extracting(InferenceRequest::id).containsExactly("shorter");
        q.expire(100 * US, rejected);
        assertThat(rejected).extracting(InferenceRequest::id).containsExactly("shorter", "longer");
    }

    @Test
    void aHugeRequestTimeoutDoesNotWrapAroundIntoThePast() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 1000000 default_queue_policy { "
                + "allow_timeout_override: true } }"));
        admit(q, request("a", 1, 4, 1_000, 0, Long.MAX_VALUE, new TestRequests.Outcome()));
        q.expire(2_000, rejected);
        assertThat(rejected).isEmpty();
    }

    @Test
    void ignoresARequestTimeoutWhenOverridingIsNotAllowed() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 1000000 default_queue_policy { "
                + "default_timeout_microseconds: 100 } }"));
        admit(q, request("a", 1, 4, 0, 0, 20 * US, new TestRequests.Outcome()));
        q.expire(50 * US, rejected);
        assertThat(rejected).isEmpty();
    }

    @Test
    void dropsACancelledRequestAndGivesItsPlaceBack() {
        BatchQueue q = start(config(8, "dynamic_batching { }"));
        InferenceRequest cancelled = request("gone", 1, 0);
        admit(q, cancelled);
        admit(q, request("kept", 1, 0));
        cancelled.cancel();
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(ids()).containsExactly("kept");
        assertThat(admission.held()).isZero();
    }

    private static InferenceRequest text(String id, String value, long arrival) {
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.lang.foreign.MemorySegment data = java.lang.foreign.Arena.ofAuto().allocate(4 + bytes.length);
        io.statim.core.tensor.Tensor.writeBytesElements(List.of(bytes), data);
        io.statim.core.tensor.Tensor t = new io.statim.core.tensor.Tensor("TEXT", io.statim.core.tensor.DataType.BYTES,
                io.statim.core.tensor.Shape.of(1, 1), data);
        return new InferenceRequest(id, "m", 1, List.of(t), List.of(), 1, arrival, new TestRequests.Outcome());
    }

    private static ModelConfig textConfig(String extra) {
        return io.statim.model.config.ModelConfigParser.parse("max_batch_size: 8\n"
                + "input { name: \"TEXT\" data_type: TYPE_STRING dims: [ 1 ] }\n"
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }\n" + extra + "dynamic_batching { }", "config.pbtxt", "m");
    }

    @Test
    void batchesTextsOfTheOldestRequestsLengthBucketAndPassesOverOthers() {
        BatchQueue q = start(textConfig(""));
        admit(q, text("short1", "Diffuse hepatic steatosis.", 0));
        admit(q, text("long", "x".repeat(600), 1));
        admit(q, text("short2", "Normal alignment of the spine.", 2));
        assertThat(q.poll(5, batch)).isTrue();
        assertThat(ids()).containsExactly("short1", "short2");
        assertThat(q.poll(5, batch)).isTrue();
        assertThat(ids()).containsExactly("long");
        assertThat(admission.held()).isZero();
    }

    @Test
    void mixesTextLengthsWhenLengthBucketsAreTurnedOff() {
        BatchQueue q = start(textConfig("parameters { key: \"batch_by_length_bucket\" value: { string_value: \"false\" } }\n"));
        admit(q, text("short1", "Diffuse hepatic steatosis.", 0));
        admit(q, text("long", "x".repeat(600), 1));
        assertThat(q.poll(5, batch)).isTrue();
        assertThat(ids()).containsExactly("short1", "long");
    }

    @Test
    void refusesARequestWhenItsLevelIsFull() {
        BatchQueue q = start(config(8, "dynamic_batching { default_queue_policy { max_queue_size: 2 } }"));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 1, 0));
        assertThat(admission.tryAcquire(1)).isFalse();
        assertThat(q.poll(0, batch)).isTrue();
        assertThat(admission.tryAcquire(1)).isTrue();
    }

    @Test
    void aPutBackRequestGoesAheadOfTheOthersKeepsItsArrivalAndTakesItsPlaceAgain() {
        BatchQueue q = start(config(8, "dynamic_batching { max_queue_delay_microseconds: 100 }"));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 1, 0));
        assertThat(q.poll(100 * US, batch)).isTrue();
        assertThat(admission.held()).isZero();
        admit(q, request("c", 1, 150 * US));

        q.putBack(List.copyOf(batch));
        assertThat(q.size()).isEqualTo(3);
        assertThat(admission.held()).isEqualTo(3);
        // Due at once: a arrived at 0, so its queue delay passed long ago (c alone would wait until 250).
        assertThat(q.poll(150 * US, batch)).isTrue();
        assertThat(ids()).containsExactly("a", "b", "c");
        assertThat(admission.held()).isZero();
    }

    @Test
    void aPutBackRequestDoesNotWaitForABatchToFillAgain() {
        BatchQueue q = start(config(8, "dynamic_batching { preferred_batch_size: [ 2 ] max_queue_delay_microseconds: 1000000 }"));
        admit(q, request("a", 1, 0));
        admit(q, request("b", 1, 0));
        assertThat(q.poll(0, batch)).isTrue();
        q.putBack(List.of(batch.get(1)));
        admit(q, request("c", 2, 1));
        assertThat(q.poll(1, batch)).as("b was due already; c goes with it").isTrue();
        assertThat(ids()).containsExactly("b", "c");
        admit(q, request("d", 1, 2));
        assertThat(q.poll(3, batch)).as("d waits for its own delay").isFalse();
    }

    @Test
    void aPutBackRequestKeepsItsTimeout() {
        BatchQueue q = start(config(8, "dynamic_batching { default_queue_policy { default_timeout_microseconds: 100 } }"));
        admit(q, request("a", 1, 0));
        assertThat(q.poll(0, batch)).isTrue();
        q.putBack(List.copyOf(batch));
        assertThat(q.earliestDeadlineNanos()).isEqualTo(100 * US);
        q.expire(100 * US, rejected);
        assertThat(rejected).extracting(InferenceRequest::id).containsExactly("a");
        assertThat(admission.held()).isZero();
    }

    @Test
    void aPausedQueueFormsNoBatchUntilThePauseEndsOrIsLifted() {
        BatchQueue q = start(config(8, "dynamic_batching { }"));
        admit(q, request("a", 1, 0));
        q.pauseUntil(10 * US);
        assertThat(q.poll(5 * US, batch)).isFalse();
        assertThat(q.nextWakeNanos()).isEqualTo(10 * US);
        assertThat(q.poll(10 * US, batch)).isTrue();

        admit(q, request("b", 1, 20 * US));
        q.pauseUntil(1_000 * US);
        assertThat(q.poll(20 * US, batch)).isFalse();
        q.resume();
        assertThat(q.poll(21 * US, batch)).isTrue();
        assertThat(ids()).containsExactly("b");
    }
}
