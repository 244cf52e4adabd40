package io.statim.server;

import io.statim.runtime.Backend;
import io.statim.runtime.cuda.CudaDevice;
import io.statim.runtime.cuda.CudaRuntime;
import io.statim.runtime.cuda.tensorrt.TensorRtBackend;
import io.statim.runtime.onnx.OnnxCudaBackend;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends a server offers and the GPU its KIND_GPU models run on. Where CUDA is usable (a driver,
 * a GPU, JavaCPP's CUDA natives: the {@code -Pgpu} build or the GPU image), GPU 0 is opened and
 * TensorRT and ONNX Runtime's CUDA execution provider come first in the backend list, ahead of ONNX
 * Runtime on the CPU, which takes every other model. Elsewhere only the CPU backend is offered, and a
 * KIND_GPU model fails to load with the reason CUDA is unusable.
 */
final class Accelerators implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Accelerators.class);

    private final List<Backend> backends;
    private final ModelManager.Gpu gpu;
    private final CudaDevice device;

    private Accelerators(List<Backend> backends, ModelManager.Gpu gpu, CudaDevice device) {
        this.backends = List.copyOf(backends);
        this.gpu = gpu;
        this.device = device;
    }

    /** Looks for a usable GPU; TensorRT engines are cached under {@code cacheDir/tensorrt}. */
    static Accelerators detect(Path cacheDir) {
        List<Backend> backends = new ArrayList<>();
        CudaRuntime.Availability cuda = CudaRuntime.availability();
        if (!cuda.available()) {
            LOG.info("no GPU: {}; models run on the CPU", cuda.reason());
            backends.add(new OnnxRuntimeBackend());
            return new Accelerators(backends, ModelManager.Gpu.none(cuda.reason()), null);
        }
        CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0));
        backends.add(new TensorRtBackend(cacheDir.resolve("tensorrt")));
        backends.add(new OnnxCudaBackend(0));
        backends.add(new OnnxRuntimeBackend());
        LOG.info("GPU {}: KIND_GPU models run on TensorRT (or ONNX Runtime's CUDA provider with parameter gpu_backend: onnxruntime)",
                device.name());
        return new Accelerators(backends, new ModelManager.Gpu(device, ""), device);
    }

    List<Backend> backends() {
        return backends;
    }

    ModelManager.Gpu gpu() {
        return gpu;
    }

    @Override
    public void close() {
        if (device != null) {
            device.close();
        }
    }
}
