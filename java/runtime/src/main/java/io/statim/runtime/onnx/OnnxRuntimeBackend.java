package io.statim.runtime.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.statim.core.device.Device;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.Backend;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.lora.LoraModel;
import io.statim.runtime.text.TextPipelines;
import java.nio.file.Path;

/**
 * ONNX Runtime on the CPU, the backend that runs anywhere. Plain models run as
 * {@link OnnxModelInstance}; models whose config declares a text pipeline (a tokenizer) run as a
 * text-embedding instance that tokenizes, runs the graph and pools. A model served with LoRA adapters
 * ({@link InstanceSpec#lora()}) runs the graph rewritten once for its version, fed the shared slot
 * pools. Thread-safe.
 */
public final class OnnxRuntimeBackend implements Backend {
    /** The backend name of config.pbtxt. */
    public static final String NAME = "onnxruntime";
    /** Triton's platform name for ONNX models. */
    public static final String PLATFORM = "onnxruntime_onnx";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean accepts(ModelConfig config) {
        return NAME.equals(config.backend()) || PLATFORM.equals(config.platform());
    }

    @Override
    public ModelInstance load(ModelSource source, long version, InstanceSpec spec, Device device) {
        ModelConfig config = source.config();
        if (TextPipelines.isTextPipeline(config)) {
            return TextPipelines.newInstance(source, version, spec, device);
        }
        Path file = source.modelFile(version);
        LoraModel lora = spec.lora();
        OrtSession session = lora == null ? OnnxSessions.open(file, spec.intraOpThreads())
                : OnnxSessions.open(lora.modelBytes(), file.getFileName() + " rewritten for LoRA", spec.intraOpThreads());
        try {
            if (lora == null) {
                OnnxSignatureCheck.check(config, session, file.getFileName().toString());
                return new OnnxModelInstance(config, version, device, session, null);
            }
            OnnxSignatureCheck.check(config, session, file.getFileName().toString(), lora.inputNames());
            return new OnnxModelInstance(config, version, device, session, OnnxLoraInputs.create(OnnxSessions.environment(), lora));
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (OrtException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }
}
