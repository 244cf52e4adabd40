package io.statim.runtime.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.nio.file.Path;

/**
 * Opens ONNX Runtime sessions the same way for every Statim backend and pipeline: one process-wide
 * {@link OrtEnvironment}, sequential execution, full graph optimization, and the intra-op thread
 * count of the instance (so that instance count × threads matches the cores).
 */
public final class OnnxSessions {
    private OnnxSessions() {
    }

    /** The process-wide ONNX Runtime environment. */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    /**
     * Opens a CPU session for a model file.
     *
     * @param intraOpThreads threads inside one run; 0 lets ONNX Runtime choose (all cores)
     * @throws StatusException INVALID_ARGUMENT when the file is not a model ONNX Runtime can load
     */
    public static OrtSession open(Path modelFile, int intraOpThreads) {
        try (OrtSession.SessionOptions options = options(intraOpThreads)) {
            return environment().createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new StatusException(new io.statim.core.status.Status(Code.INVALID_ARGUMENT,
                    "ONNX Runtime cannot load " + modelFile.getFileName() + ": " + e.getMessage()), e);
        }
    }

    /**
     * Opens a CPU session for a serialized model (a model rewritten in memory, such as a LoRA graph).
     *
     * @param description what the model is, for errors (e.g. {@code "model.onnx rewritten for LoRA"})
     * @throws StatusException INVALID_ARGUMENT when ONNX Runtime cannot load the model
     */
    public static OrtSession open(byte[] model, String description, int intraOpThreads) {
        try (OrtSession.SessionOptions options = options(intraOpThreads)) {
            return environment().createSession(model, options);
        } catch (OrtException e) {
            throw new StatusException(new io.statim.core.status.Status(Code.INVALID_ARGUMENT,
                    "ONNX Runtime cannot load " + description + ": " + e.getMessage()), e);
        }
    }

    private static OrtSession.SessionOptions options(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle instance threads must not burn the cores that other instances need.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
