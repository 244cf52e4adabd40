package io.statim.runtime.cuda.tensorrt;

import static io.statim.runtime.cuda.tensorrt.Configs.parameter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.cuda.diag.SelfTestModel;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorRtBackendTest {
    @TempDir
    Path dir;

    @Test
    void servesGpuModelsUnlessTheyAskForOnnxRuntime() {
        TensorRtBackend backend = new TensorRtBackend(dir);
        String ids = parameter("tensorrt_dims.IDS", "1:2:3");
        assertThat(backend.accepts(Configs.gpu(ids))).isTrue();
        assertThat(backend.accepts(Configs.gpu(ids + parameter("gpu_backend", "tensorrt")))).isTrue();
        assertThat(backend.accepts(Configs.gpu(ids + parameter("gpu_backend", "onnxruntime")))).isFalse();
        assertThat(backend.accepts(Configs.parse("max_batch_size: 1\n"
                + "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"))).isFalse();
    }

    @Test
    void refusesTypesTensorRtHasNoTensorFor() {
        assertThatThrownBy(() -> TensorRtBackend.plan(Configs.parse("max_batch_size: 1\n"
                + "input [ { name: \"TEXT\" data_type: TYPE_STRING dims: [ 1 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "instance_group [ { kind: KIND_GPU } ]\n")))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("input 'TEXT' is BYTES");
        assertThatThrownBy(() -> TensorRtBackend.plan(Configs.parse("max_batch_size: 1\n"
                + "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP64 dims: [ 4 ] } ]\n"))).hasMessageContaining("output 'Y' is FP64");
    }

    @Test
    void mapsStatimTypesToTensorRtTypes() {
        assertThat(TrtTypes.of(DataType.FP32)).isEqualTo(0);
        assertThat(TrtTypes.of(DataType.FP16)).isEqualTo(1);
        assertThat(TrtTypes.of(DataType.BF16)).isEqualTo(7);
        assertThat(TrtTypes.of(DataType.INT64)).isEqualTo(8);
        assertThat(TrtTypes.of(DataType.BOOL)).isEqualTo(4);
        assertThat(TrtTypes.of(DataType.UINT16)).isEqualTo(TrtTypes.NONE);
        assertThat(TrtTypes.name(7)).isEqualTo("kBF16");
    }

    @Test
    void loadingOnTheHostDeviceSaysItNeedsACudaDevice() throws IOException {
        SelfTestModel.write(dir.resolve("models"));
        var source = new ModelRepository(dir.resolve("models")).load(SelfTestModel.NAME);
        try (HostDevice host = new HostDevice()) {
            assertThatThrownBy(() -> new TensorRtBackend(dir.resolve("cache")).load(source, 1, new InstanceSpec("x", 0, 0), host))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION))
                    .hasMessageContaining("needs a CUDA device").hasMessageContaining("'host'");
        }
    }

    @Test
    void formatsTensorRtVersions() {
        assertThat(TensorRt.formatVersion(101200, 36)).isEqualTo("10.12.0.36");
        assertThat(TensorRt.formatVersion(100703, 0)).isEqualTo("10.7.3");
    }
}
