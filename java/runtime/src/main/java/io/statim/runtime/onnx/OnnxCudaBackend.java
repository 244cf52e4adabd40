package io.statim.runtime.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.statim.core.device.Device;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.Backend;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.text.TextPipelines;
import java.nio.file.Path;
import java.util.Map;

/**
 * ONNX Runtime with its CUDA execution provider: the second GPU backend, for models that TensorRT
 * cannot build or that need ONNX Runtime's operator coverage. It serves a model whose instance group
 * is {@code KIND_GPU} and whose parameter {@code gpu_backend} is {@code onnxruntime}; the instance is
 * an {@link OnnxModelInstance} whose session runs on the GPU (ONNX Runtime copies inputs in and
 * outputs out of the same host buffers as on the CPU).
 *
 * <p>Needs ONNX Runtime's GPU build on the classpath ({@code com.microsoft.onnxruntime:onnxruntime_gpu},
 * CUDA 12 and cuDNN 9, brought by the {@code gpu} profile of java/server): with the CPU build, load
 * fails with FAILED_PRECONDITION saying so. Text pipelines (tokenizer models) are not served here yet.
 * Thread-safe.
 */
public final class OnnxCudaBackend implements Backend {
    /** The backend name, as the value of the {@code gpu_backend} parameter. */
    public static final String NAME = "onnxruntime_cuda";
    /** The parameter that picks a GPU backend for a KIND_GPU model. */
    public static final String GPU_BACKEND_PARAMETER = "gpu_backend";
    /** The value of {@code gpu_backend} that picks this backend. */
    public static final String GPU_BACKEND_VALUE = "onnxruntime";

    private final int ordinal;

    /** Runs models on GPU {@code ordinal}. */
    public OnnxCudaBackend(int ordinal) {
        this.ordinal = ordinal;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean accepts(ModelConfig config) {
        return onGpu(config) && GPU_BACKEND_VALUE.equals(config.parameter(GPU_BACKEND_PARAMETER, ""));
    }

    /** True when the config asks for a GPU ({@code instance_group { kind: KIND_GPU }}). */
    static boolean onGpu(ModelConfig config) {
        for (InstanceGroup group : config.instanceGroups()) {
            if (group.kind() == InstanceGroup.Kind.KIND_GPU) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ModelInstance load(ModelSource source, long version, InstanceSpec spec, Device device) {
        ModelConfig config = source.config();
        if (TextPipelines.isTextPipeline(config)) {
            throw new StatusException(Code.UNIMPLEMENTED, "model '" + config.name()
                    + "': text pipelines run on the CPU only for now; remove KIND_GPU or gpu_backend");
        }
        if (spec.lora() != null) {
            throw new StatusException(Code.UNIMPLEMENTED, "model '" + config.name() + "': LoRA adapters run on the CPU backend only for now");
        }
        Path file = source.modelFile(version);
        OrtSession session = open(file, config, spec.intraOpThreads());
        try {
            OnnxSignatureCheck.check(config, session, file.getFileName().toString());
            return new OnnxModelInstance(config, version, device, session, null);
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (OrtException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    private OrtSession open(Path file, ModelConfig config, int intraOpThreads) {
        Map<String, String> cudaOptions = OnnxCudaOptions.of(config, ordinal);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(ordinal)) {
                for (Map.Entry<String, String> e : cudaOptions.entrySet()) {
                    cuda.add(e.getKey(), e.getValue());
                }
                options.addCUDA(cuda);
            } catch (OrtException | RuntimeException | LinkageError e) {
                throw new StatusException(Code.FAILED_PRECONDITION, "model '" + config.name()
                        + "': ONNX Runtime's CUDA execution provider is not available (build the server with -Pgpu for the "
                        + "onnxruntime_gpu jar, CUDA 12 and cuDNN 9): " + e.getMessage());
            }
            return OnnxSessions.environment().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new StatusException(new Status(Code.INVALID_ARGUMENT,
                    "ONNX Runtime (CUDA) cannot load " + file.getFileName() + ": " + e.getMessage()), e);
        }
    }
}
