package io.statim.protocol.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.grpc.api.DataType;
import io.statim.grpc.api.ModelConfig;
import io.statim.grpc.api.ModelDynamicBatching;
import io.statim.grpc.api.ModelInstanceGroup;
import io.statim.grpc.api.ModelQueuePolicy;
import io.statim.model.config.ModelConfigParser;
import org.junit.jupiter.api.Test;

class GrpcModelConfigsTest {
    private static final ModelConfig CONFIG = GrpcModelConfigs.toProto(ModelConfigParser.parse("""
            name: "text"
            backend: "onnxruntime"
            max_batch_size: 4
            version_policy: { specific: { versions: [ 1, 3 ] } }
            input [ { name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] reshape: { shape: [ ] } optional: true } ]
            output [ { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ 384 ] } ]
            instance_group [ { count: 2 kind: KIND_CPU } ]
            parameters { key: "pooling" value: { string_value: "mean" } }
            """, "text/config.pbtxt", "text"));

    private static final ModelConfig BATCHED = GrpcModelConfigs.toProto(ModelConfigParser.parse("""
            name: "simple"
            max_batch_size: 8
            input [ { name: "IN" data_type: TYPE_INT32 dims: [ 16 ] } ]
            output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 16 ] } ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 250
              priority_levels: 2
              default_priority_level: 2
              default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5000 allow_timeout_override: true }
              priority_queue_policy { key: 1 value: { max_queue_size: 3 } }
            }
            """, "simple/config.pbtxt", "simple"));

    @Test
    void carriesTensorsWithTritonsTypeNamesAndReshape() {
        assertThat(CONFIG.getInput(0).getDataType()).isEqualTo(DataType.TYPE_STRING);
        assertThat(CONFIG.getInput(0).getOptional()).isTrue();
        assertThat(CONFIG.getInput(0).hasReshape()).isTrue();
        assertThat(CONFIG.getInput(0).getReshape().getShapeList()).isEmpty();
        assertThat(CONFIG.getOutput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
        assertThat(CONFIG.getOutput(0).getDimsList()).containsExactly(384L);
    }

    @Test
    void carriesDynamicBatchingInMicroseconds() {
        ModelDynamicBatching batching = BATCHED.getDynamicBatching();
        assertThat(batching.getPreferredBatchSizeList()).containsExactly(4, 8);
        assertThat(batching.getMaxQueueDelayMicroseconds()).isEqualTo(250);
        assertThat(batching.getPriorityLevels()).isEqualTo(2);
        assertThat(batching.getDefaultPriorityLevel()).isEqualTo(2);
        assertThat(batching.getDefaultQueuePolicy().getTimeoutAction()).isEqualTo(ModelQueuePolicy.TimeoutAction.DELAY);
        assertThat(batching.getDefaultQueuePolicy().getDefaultTimeoutMicroseconds()).isEqualTo(5000);
        assertThat(batching.getDefaultQueuePolicy().getAllowTimeoutOverride()).isTrue();
        assertThat(batching.getPriorityQueuePolicyMap().get(1L).getMaxQueueSize()).isEqualTo(3);
    }

    @Test
    void leavesDynamicBatchingUnsetWhenTheConfigHasNone() {
        assertThat(CONFIG.hasDynamicBatching()).isFalse();
    }

    @Test
    void carriesASpecificVersionPolicy() {
        assertThat(CONFIG.getVersionPolicy().getSpecific().getVersionsList()).containsExactly(1L, 3L);
    }

    @Test
    void carriesInstanceGroupsAndParameters() {
        assertThat(CONFIG.getInstanceGroup(0).getKind()).isEqualTo(ModelInstanceGroup.Kind.KIND_CPU);
        assertThat(CONFIG.getInstanceGroup(0).getCount()).isEqualTo(2);
        assertThat(CONFIG.getParametersMap().get("pooling").getStringValue()).isEqualTo("mean");
        assertThat(CONFIG.getMaxBatchSize()).isEqualTo(4);
        assertThat(CONFIG.getBackend()).isEqualTo("onnxruntime");
    }
}
