package io.statim.runtime;

import io.statim.core.device.Device;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelSource;

/**
 * A way to run models (ONNX Runtime on the CPU, TensorRT on a GPU). A backend turns one version of a
 * model into {@link ModelInstance}s, one per instance of the model's instance groups.
 *
 * <p>Thread safety: {@link #load} may be called from any thread, concurrently for different models.
 */
public interface Backend {
    /** The name used in config.pbtxt's {@code backend} field, e.g. {@code onnxruntime}. */
    String name();

    /**
     * Creates one instance of one version of a model on a device, after checking the configuration
     * against the model file (names, datatypes and ranks of inputs and outputs). The caller owns the
     * instance and closes it when the model is unloaded.
     *
     * @throws io.statim.core.status.StatusException when the model cannot be loaded; nothing is left open
     */
    ModelInstance load(ModelSource source, long version, InstanceSpec spec, Device device);

    /** True when this backend serves models of this configuration. */
    boolean accepts(ModelConfig config);
}
