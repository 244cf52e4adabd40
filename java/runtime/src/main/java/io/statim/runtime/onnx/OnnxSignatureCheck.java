package io.statim.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a model's config.pbtxt describes its ONNX graph: every configured input and output
 * exists with the same element type and rank, every graph input is configured (or fed by the server,
 * such as the inputs a LoRA rewrite adds), and ONNX Runtime's
 * Java binding can carry every type. Errors name the tensor and both sides.
 */
final class OnnxSignatureCheck {
    private OnnxSignatureCheck() {
    }

    static void check(ModelConfig config, OrtSession session, String fileName) {
        check(config, session, fileName, Set.of());
    }

    /**
     * As {@link #check(ModelConfig, OrtSession, String)}, with graph inputs that the server feeds
     * itself (a LoRA graph's slot index and pools) and that the config therefore does not declare.
     */
    static void check(ModelConfig config, OrtSession session, String fileName, Set<String> serverInputs) {
        try {
            Map<String, NodeInfo> graphInputs = session.getInputInfo();
            Map<String, NodeInfo> graphOutputs = session.getOutputInfo();
            checkSide(config, "input", config.inputs(), graphInputs, fileName);
            checkSide(config, "output", config.outputs(), graphOutputs, fileName);
            for (String name : graphInputs.keySet()) {
                if (config.input(name) == null && !serverInputs.contains(name)) {
                    throw invalid(config, fileName + " has input '" + name + "' that config.pbtxt does not declare");
                }
            }
        } catch (OrtException e) {
            throw new StatusException(Code.INTERNAL, "cannot read the signature of " + fileName + ": " + e.getMessage());
        }
    }

    private static void checkSide(ModelConfig config, String side, List<TensorConfig> declared, Map<String, NodeInfo> graph,
            String fileName) {
        for (TensorConfig tensor : declared) {
            if (OnnxTypes.javaType(tensor.dataType()) == null) {
                throw invalid(config, side + " '" + tensor.name() + "' is " + tensor.dataType().configName()
                        + ", which ONNX Runtime's Java binding cannot carry");
            }
            NodeInfo node = graph.get(tensor.name());
            if (node == null) {
                throw invalid(config, side + " '" + tensor.name() + "' is not an " + side + " of " + fileName + ", whose "
                        + side + "s are " + graph.keySet());
            }
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw invalid(config, side + " '" + tensor.name() + "' of " + fileName + " is not a tensor");
            }
            if (info.onnxType != OnnxTypes.onnxType(tensor.dataType())) {
                throw invalid(config, side + " '" + tensor.name() + "' is " + tensor.dataType().configName() + " in config.pbtxt but "
                        + info.onnxType + " in " + fileName);
            }
            int rank = (tensor.reshape() != null ? tensor.reshape() : tensor.dims()).rank() + (config.batching() ? 1 : 0);
            if (info.getShape().length != rank) {
                throw invalid(config, side + " '" + tensor.name() + "' has rank " + rank + " in config.pbtxt"
                        + (config.batching() ? " (with the batch dimension)" : "") + " but " + info.getShape().length + " in " + fileName);
            }
        }
    }

    private static StatusException invalid(ModelConfig config, String message) {
        return new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': " + message);
    }
}
