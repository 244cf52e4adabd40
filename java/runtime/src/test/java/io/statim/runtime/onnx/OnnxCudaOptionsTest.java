package io.statim.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import org.junit.jupiter.api.Test;

class OnnxCudaOptionsTest {
    private static ModelConfig config(String parameters) {
        return ModelConfigParser.parse("max_batch_size: 8\n"
                + "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "instance_group [ { kind: KIND_GPU } ]\n" + parameters, "config.pbtxt", "m");
    }

    private static String parameter(String key, String value) {
        return "parameters { key: \"" + key + "\" value: { string_value: \"" + value + "\" } }\n";
    }

    @Test
    void defaultsToTheDeviceHeuristicSearchAndNoGraphs() {
        assertThat(OnnxCudaOptions.of(config(""), 1)).containsExactly(
                java.util.Map.entry("device_id", "1"),
                java.util.Map.entry("arena_extend_strategy", "kSameAsRequested"),
                java.util.Map.entry("cudnn_conv_algo_search", "HEURISTIC"),
                java.util.Map.entry("enable_cuda_graph", "0"),
                java.util.Map.entry("use_tf32", "1"));
    }

    @Test
    void readsTheModelParameters() {
        ModelConfig config = config(parameter("onnxruntime_cuda_mem_limit_bytes", "1073741824")
                + parameter("onnxruntime_cudnn_conv_algo_search", "exhaustive")
                + parameter("onnxruntime_cuda_graph", "true")
                + parameter("onnxruntime_cuda_tf32", "false"));
        assertThat(OnnxCudaOptions.of(config, 0))
                .containsEntry("gpu_mem_limit", "1073741824")
                .containsEntry("cudnn_conv_algo_search", "EXHAUSTIVE")
                .containsEntry("enable_cuda_graph", "1")
                .containsEntry("use_tf32", "0");
    }

    @Test
    void aWrongValueNamesTheParameter() {
        assertThatThrownBy(() -> OnnxCudaOptions.of(config(parameter("onnxruntime_cuda_mem_limit_bytes", "-5")), 0))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("onnxruntime_cuda_mem_limit_bytes").hasMessageContaining("-5");
        assertThatThrownBy(() -> OnnxCudaOptions.of(config(parameter("onnxruntime_cuda_graph", "maybe")), 0))
                .hasMessageContaining("onnxruntime_cuda_graph");
    }

    @Test
    void servesOnlyGpuModelsThatAskForOnnxRuntime() {
        OnnxCudaBackend backend = new OnnxCudaBackend(0);
        assertThat(backend.accepts(config(parameter("gpu_backend", "onnxruntime")))).isTrue();
        assertThat(backend.accepts(config(""))).isFalse();
    }
}
