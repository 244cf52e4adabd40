package io.statim.protocol.oip;

import static io.statim.protocol.oip.OipFixtures.SIMPLE;
import static io.statim.protocol.oip.OipFixtures.jsonOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OipJsonTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private ByteBuf out;

    @AfterEach
    void releaseAndCheck() {
        out.release();
        assertThat(alloc.metric().usedHeapMemory()).isZero();
    }

    @Test
    void writesServerMetadata() {
        out = OipJson.serverMetadata(alloc, "statim", "0.1.0", List.of("binary_tensor_data", "model_configuration"));

        assertThat(jsonOf(out)).isEqualTo(Map.of(
                "name", "statim", "version", "0.1.0", "extensions", List.of("binary_tensor_data", "model_configuration")));
    }

    @Test
    void writesModelMetadataWithTheBatchDimensionAsMinusOne() {
        out = OipJson.modelMetadata(alloc, SIMPLE, List.of(1L, 3L));

        Map<String, Object> json = jsonOf(out);
        assertThat(json).containsEntry("name", "simple").containsEntry("versions", List.of("1", "3"))
                .containsEntry("platform", "onnxruntime_onnx");
        assertThat(json.get("inputs")).isEqualTo(List.of(
                Map.of("name", "INPUT0", "datatype", "INT32", "shape", List.of(-1, 16)),
                Map.of("name", "INPUT1", "datatype", "INT32", "shape", List.of(-1, 16))));
        assertThat((List<?>) json.get("outputs")).hasSize(2);
    }

    @Test
    void writesTheModelConfigInTritonsJsonForm() {
        ModelConfig config = ModelConfigParser.parse("""
                name: "m"
                max_batch_size: 4
                version_policy { specific { versions: [ 1, 3 ] } }
                input [ { name: "X" data_type: TYPE_STRING dims: [ 1 ] optional: true } ]
                output [ { name: "Y" data_type: TYPE_FP16 dims: [ 2, 8 ] reshape { shape: [ 16 ] } } ]
                instance_group [ { name: "cpu" count: 2 kind: KIND_CPU } ]
                parameters { key: "threads" value { string_value: "1" } }
                """, "m/config.pbtxt", "m");

        out = OipJson.modelConfig(alloc, config);

        Map<String, Object> json = jsonOf(out);
        assertThat(json).containsEntry("name", "m").containsEntry("platform", "onnxruntime_onnx")
                .containsEntry("backend", "onnxruntime").containsEntry("max_batch_size", 4)
                .containsEntry("version_policy", Map.of("specific", Map.of("versions", List.of(1, 3))))
                .containsEntry("default_model_filename", "model.onnx")
                .containsEntry("parameters", Map.of("threads", Map.of("string_value", "1")));
        assertThat(json.get("input")).isEqualTo(List.of(
                Map.of("name", "X", "data_type", "TYPE_STRING", "dims", List.of(1), "optional", true)));
        assertThat(json.get("output")).isEqualTo(List.of(
                Map.of("name", "Y", "data_type", "TYPE_FP16", "dims", List.of(2, 8), "reshape", Map.of("shape", List.of(16)))));
        assertThat(json.get("instance_group")).isEqualTo(List.of(
                Map.of("name", "cpu", "count", 2, "kind", "KIND_CPU", "gpus", List.of())));
    }

    @Test
    void writesDynamicBatchingInTritonsJsonForm() {
        ModelConfig config = ModelConfigParser.parse("""
                max_batch_size: 8
                input [ { name: "X" data_type: TYPE_FP32 dims: [ 4 ] } ]
                output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
                dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 100 priority_levels: 2
                  default_priority_level: 1 priority_queue_policy { key: 2 value: { timeout_action: DELAY max_queue_size: 5 } } }
                """, "m/config.pbtxt", "m");

        out = OipJson.modelConfig(alloc, config);

        assertThat(jsonOf(out).get("dynamic_batching")).isEqualTo(Map.of(
                "preferred_batch_size", List.of(4), "max_queue_delay_microseconds", 100, "preserve_ordering", false,
                "priority_levels", 2, "default_priority_level", 1,
                "default_queue_policy", Map.of("timeout_action", "REJECT", "default_timeout_microseconds", 0,
                        "allow_timeout_override", false, "max_queue_size", 0),
                "priority_queue_policy", Map.of("2", Map.of("timeout_action", "DELAY", "default_timeout_microseconds", 0,
                        "allow_timeout_override", false, "max_queue_size", 5))));
    }

    @Test
    void writesTheDefaultVersionPolicyAsLatestOne() {
        out = OipJson.modelConfig(alloc, SIMPLE);

        assertThat(jsonOf(out)).containsEntry("version_policy", Map.of("latest", Map.of("num_versions", 1)));
    }

    @Test
    void writesErrorsWithTheirMessageEscaped() {
        out = OipJson.error(alloc, "input 'x' has \"quotes\"");

        assertThat(jsonOf(out)).isEqualTo(Map.of("error", "input 'x' has \"quotes\""));
    }
}
