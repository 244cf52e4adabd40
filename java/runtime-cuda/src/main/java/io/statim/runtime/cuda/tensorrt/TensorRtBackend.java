package io.statim.runtime.cuda.tensorrt;

import io.statim.core.device.Device;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.Backend;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.cuda.CudaDevice;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TensorRT on an NVIDIA GPU: the model's ONNX file is built into an engine for this GPU (or loaded
 * from the {@link EngineCache} when built before) and each instance runs it on a stream of its own
 * ({@link TensorRtInstance}). Serves models whose instance group is {@code KIND_GPU}, unless the
 * parameter {@code gpu_backend} is {@code onnxruntime} (then ONNX Runtime's CUDA execution provider
 * does). Loads need a {@link CudaDevice}; on another device they fail with FAILED_PRECONDITION.
 *
 * <p>Thread-safe: instances of different models load concurrently; the instances of one model wait
 * for the first to build the engine, then load it from the cache.
 */
public final class TensorRtBackend implements Backend {
    /** The backend name, and the value of {@code gpu_backend} that picks it (the default for KIND_GPU). */
    public static final String NAME = "tensorrt";
    /** The parameter that picks a GPU backend for a KIND_GPU model. */
    public static final String GPU_BACKEND_PARAMETER = "gpu_backend";

    private final EngineCache cache;
    private final ConcurrentHashMap<String, Object> buildLocks = new ConcurrentHashMap<>();

    /** Caches engines under {@code cacheRoot} (for example {@code ~/.cache/statim/tensorrt}). */
    public TensorRtBackend(Path cacheRoot) {
        this.cache = new EngineCache(cacheRoot);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean accepts(ModelConfig config) {
        boolean gpu = false;
        for (InstanceGroup group : config.instanceGroups()) {
            gpu |= group.kind() == InstanceGroup.Kind.KIND_GPU;
        }
        return gpu && NAME.equals(config.parameter(GPU_BACKEND_PARAMETER, NAME));
    }

    /**
     * Everything about a model that can be checked without a GPU: its options, its profile, and that
     * TensorRT has a type for every tensor.
     *
     * @throws StatusException INVALID_ARGUMENT or UNIMPLEMENTED naming what is wrong
     */
    public static Plan plan(ModelConfig config) {
        for (TensorConfig t : config.inputs()) {
            checkType(config, "input", t);
        }
        for (TensorConfig t : config.outputs()) {
            checkType(config, "output", t);
        }
        if (config.loraEnabled()) {
            throw new StatusException(Code.UNIMPLEMENTED, "model '" + config.name() + "': LoRA adapters are served by the CPU backend only "
                    + "for now; the TensorRT backend does not feed slot pools yet");
        }
        return new Plan(TensorRtOptions.of(config), ProfileShapes.of(config));
    }

    /**
     * What a model's engine is built with.
     *
     * @param options build and run settings
     * @param profile the optimization profile
     */
    public record Plan(TensorRtOptions options, ProfileShapes profile) {
    }

    @Override
    public ModelInstance load(ModelSource source, long version, InstanceSpec spec, Device device) {
        if (!(device instanceof CudaDevice gpu)) {
            throw new StatusException(Code.FAILED_PRECONDITION, "model '" + source.name() + "' runs on TensorRT, which needs a CUDA "
                    + "device, but was given '" + device.name() + "'");
        }
        ModelConfig config = source.config().executionConfig();
        Plan plan = plan(config);
        TensorRt.Availability trt = TensorRt.require();
        String label = "model '" + config.name() + "' v" + version;
        Path modelFile = source.modelFile(version);
        EngineKey key = EngineKey.of(ModelFiles.sha256(modelFile), gpu.info(), trt.version(), plan.profile(), plan.options());
        gpu.bind();
        Path engine;
        synchronized (buildLocks.computeIfAbsent(key.digest(), k -> new Object())) {
            Optional<Path> cached = cache.find(config.name(), version, key);
            if (cached.isPresent()) {
                engine = cached.get();
            } else {
                engine = EngineBuilder.build(label, config.name(), version, modelFile, plan.profile(), plan.options(), key, cache,
                        gpu.info(), trt.version());
            }
        }
        return TensorRtInstance.open(label, config, version, gpu, engine, plan);
    }

    private static void checkType(ModelConfig config, String side, TensorConfig t) {
        if (t.dataType() == DataType.BYTES || TrtTypes.of(t.dataType()) == TrtTypes.NONE) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': " + side + " '" + t.name() + "' is "
                    + t.dataType() + ", which TensorRT has no tensor type for; serve the model with gpu_backend onnxruntime or on the CPU");
        }
    }
}
