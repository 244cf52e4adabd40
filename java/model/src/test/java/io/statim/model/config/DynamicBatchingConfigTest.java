package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DynamicBatchingConfigTest {
    private static final String IO = "input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }\n"
            + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }\n";

    private static ModelConfig parse(int maxBatchSize, String batching) {
        return ModelConfigParser.parse("max_batch_size: " + maxBatchSize + "\n" + IO + batching, "config.pbtxt", "m");
    }

    @Test
    void anEmptySectionBatchesAsLargeAsPossibleWithNoDelay() {
        DynamicBatching b = parse(8, "dynamic_batching { }").dynamicBatching();
        assertThat(b.preferredBatchSizes()).isEmpty();
        assertThat(b.maxQueueDelayNs()).isZero();
        assertThat(b.levels()).isEqualTo(1);
        assertThat(b.queuePolicy(1)).isEqualTo(QueuePolicy.DEFAULT);
    }

    @Test
    void withoutTheSectionTheModelHasNoDynamicBatching() {
        assertThat(parse(8, "").dynamicBatchingEnabled()).isFalse();
    }

    @Test
    void bindsEveryFieldWithTritonsNames() {
        DynamicBatching b = parse(16, """
                dynamic_batching {
                  preferred_batch_size: [ 8, 4 ]
                  max_queue_delay_microseconds: 100
                  preserve_ordering: true
                  priority_levels: 2
                  default_priority_level: 2
                  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5000 allow_timeout_override: true max_queue_size: 10 }
                  priority_queue_policy { key: 1 value: { max_queue_size: 3 } }
                }
                """).dynamicBatching();
        assertThat(b.preferredBatchSizes()).containsExactly(4, 8);
        assertThat(b.maxQueueDelayNs()).isEqualTo(100_000);
        assertThat(b.preserveOrdering()).isTrue();
        assertThat(b.priorityLevels()).isEqualTo(2);
        assertThat(b.defaultPriorityLevel()).isEqualTo(2);
        assertThat(b.queuePolicy(2)).isEqualTo(new QueuePolicy(QueuePolicy.TimeoutAction.DELAY, 5_000_000, true, 10));
        assertThat(b.queuePolicy(1)).isEqualTo(new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 0, false, 3));
    }

    @Test
    void rejectsAPreferredSizeOverMaxBatchSize() {
        assertThatThrownBy(() -> parse(4, "dynamic_batching { preferred_batch_size: [ 8 ] }"))
                .hasMessageContaining("preferred_batch_size 8 must be between 1 and max_batch_size=4");
    }

    @Test
    void rejectsDynamicBatchingForAModelThatDoesNotBatch() {
        assertThatThrownBy(() -> parse(0, "dynamic_batching { }")).hasMessageContaining("needs max_batch_size > 0");
    }

    @Test
    void rejectsADefaultLevelOutsideThePriorityLevels() {
        assertThatThrownBy(() -> parse(4, "dynamic_batching { priority_levels: 2 default_priority_level: 3 }"))
                .hasMessageContaining("default_priority_level=3 must be between 1 and priority_levels=2");
        assertThatThrownBy(() -> parse(4, "dynamic_batching { priority_levels: 2 }"))
                .hasMessageContaining("default_priority_level=0 must be between 1 and priority_levels=2");
    }

    @Test
    void rejectsAQueuePolicyForALevelThatDoesNotExist() {
        assertThatThrownBy(() -> parse(4, "dynamic_batching { priority_levels: 1 default_priority_level: 1 "
                + "priority_queue_policy { key: 2 value: { max_queue_size: 1 } } }"))
                .hasMessageContaining("priority_queue_policy key 2 must be between 1 and priority_levels=1");
    }

    @Test
    void rejectsAnUnknownTimeoutAction() {
        assertThatThrownBy(() -> parse(4, "dynamic_batching { default_queue_policy { timeout_action: DROP } }"))
                .hasMessageContaining("timeout_action 'DROP' must be REJECT or DELAY");
    }

    @Test
    void rejectsAnUnknownFieldInsideTheSection() {
        assertThatThrownBy(() -> parse(4, "dynamic_batching { max_queue_delay: 5 }"))
                .hasMessageContaining("field 'dynamic_batching.max_queue_delay' is not supported by Statim");
    }

    @Test
    void aRequestTimeoutMayOnlyLowerTheDefault() {
        QueuePolicy p = new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 1_000, true, 0);
        assertThat(p.effectiveTimeoutNs(500)).isEqualTo(500);
        assertThat(p.effectiveTimeoutNs(5_000)).isEqualTo(1_000);
        assertThat(p.effectiveTimeoutNs(0)).isEqualTo(1_000);
        assertThat(new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 1_000, false, 0).effectiveTimeoutNs(500)).isEqualTo(1_000);
        assertThat(new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 0, true, 0).effectiveTimeoutNs(500)).isEqualTo(500);
    }
}
