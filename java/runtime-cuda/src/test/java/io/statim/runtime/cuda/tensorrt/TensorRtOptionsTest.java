package io.statim.runtime.cuda.tensorrt;

import static io.statim.runtime.cuda.tensorrt.Configs.gpu;
import static io.statim.runtime.cuda.tensorrt.Configs.parameter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import org.junit.jupiter.api.Test;

class TensorRtOptionsTest {
    @Test
    void defaultsToFp32AGibibyteOfWorkspaceLevelThreeAndNoGraphs() {
        TensorRtOptions options = TensorRtOptions.of(gpu(""));
        assertThat(options).isEqualTo(new TensorRtOptions(TensorRtOptions.Precision.FP32, 1L << 30, 3, false, 8));
    }

    @Test
    void readsEveryParameter() {
        TensorRtOptions options = TensorRtOptions.of(gpu(parameter("tensorrt_precision", "BF16")
                + parameter("tensorrt_workspace_bytes", "268435456")
                + parameter("tensorrt_optimization_level", "5")
                + parameter("tensorrt_cuda_graphs", "true")
                + parameter("tensorrt_cuda_graph_limit", "2")));
        assertThat(options).isEqualTo(new TensorRtOptions(TensorRtOptions.Precision.BF16, 268435456L, 5, true, 2));
    }

    @Test
    void aWrongValueIsInvalidArgumentNamingParameterAndValue() {
        assertThatThrownBy(() -> TensorRtOptions.of(gpu(parameter("tensorrt_precision", "int4"))))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("'tensorrt_precision' is 'int4'").hasMessageContaining("fp16");
        assertThatThrownBy(() -> TensorRtOptions.of(gpu(parameter("tensorrt_optimization_level", "6"))))
                .hasMessageContaining("tensorrt_optimization_level");
        assertThatThrownBy(() -> TensorRtOptions.of(gpu(parameter("tensorrt_workspace_bytes", "0"))))
                .hasMessageContaining("tensorrt_workspace_bytes");
        assertThatThrownBy(() -> TensorRtOptions.of(gpu(parameter("tensorrt_cuda_graphs", "sometimes"))))
                .hasMessageContaining("tensorrt_cuda_graphs");
    }

    @Test
    void cudaGraphsDoNotChangeTheEngine() {
        TensorRtOptions plain = TensorRtOptions.of(gpu(""));
        TensorRtOptions graphs = TensorRtOptions.of(gpu(parameter("tensorrt_cuda_graphs", "true")));
        assertThat(graphs.engineDescription()).isEqualTo(plain.engineDescription());
        assertThat(TensorRtOptions.of(gpu(parameter("tensorrt_precision", "fp16"))).engineDescription())
                .isNotEqualTo(plain.engineDescription());
    }
}
