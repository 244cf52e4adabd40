package io.statim.runtime.text;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * What a text pipeline needs to know of a BERT-style ONNX graph: whether it takes
 * {@code token_type_ids}, and which output holds the token embeddings {@code [batch, sequence, hidden]}
 * (the first output of that rank, {@code last_hidden_state} in HuggingFace exports). Immutable.
 *
 * @param takesTokenTypeIds   the graph has a {@code token_type_ids} input
 * @param tokenEmbeddingsName the output holding the token embeddings
 */
record BertGraph(boolean takesTokenTypeIds, String tokenEmbeddingsName) {
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";

    /**
     * Checks the graph's inputs and finds its token-embeddings output.
     *
     * @throws StatusException INVALID_ARGUMENT naming the input or output that does not fit
     */
    static BertGraph of(OrtSession session, String model, int embeddingSize) {
        return of(session, model, embeddingSize, Set.of());
    }

    /**
     * As {@link #of(OrtSession, String, int)}, with graph inputs that the instance feeds besides the
     * tokens (a LoRA graph's slot index and pools), which are not checked here.
     */
    static BertGraph of(OrtSession session, String model, int embeddingSize, Set<String> serverInputs) {
        try {
            return of(session.getInputInfo(), session.getOutputInfo(), "model '" + model + "': ", embeddingSize, serverInputs);
        } catch (OrtException e) {
            throw invalid("model '" + model + "': cannot read the ONNX graph's inputs and outputs (" + e.getCode() + ")");
        }
    }

    private static BertGraph of(Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs, String model, int embeddingSize,
            Set<String> serverInputs) {
        for (String required : new String[] {INPUT_IDS, ATTENTION_MASK}) {
            if (!inputs.containsKey(required)) {
                throw invalid(model + "the ONNX graph has no input '" + required + "'; its inputs are " + inputs.keySet());
            }
        }
        for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
            String name = input.getKey();
            if (serverInputs.contains(name)) {
                continue;
            }
            if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK) && !name.equals(TOKEN_TYPE_IDS)) {
                throw invalid(model + "the ONNX graph has input '" + name + "', which a text pipeline cannot feed; it feeds "
                        + INPUT_IDS + ", " + ATTENTION_MASK + " and " + TOKEN_TYPE_IDS);
            }
            if (!(input.getValue().getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.INT64) {
                throw invalid(model + "the ONNX graph's input '" + name + "' is " + input.getValue().getInfo()
                        + "; a text pipeline feeds INT64 tensors");
            }
        }
        for (Map.Entry<String, NodeInfo> output : outputs.entrySet()) {
            if (output.getValue().getInfo() instanceof TensorInfo info && info.type == OnnxJavaType.FLOAT
                    && info.getShape().length == 3) {
                long hidden = info.getShape()[2];
                if (hidden >= 0 && hidden != embeddingSize) {
                    throw invalid(model + "the ONNX graph's output '" + output.getKey() + "' has shape "
                            + Arrays.toString(info.getShape()) + " but the config's embedding size is " + embeddingSize);
                }
                return new BertGraph(inputs.containsKey(TOKEN_TYPE_IDS), output.getKey());
            }
        }
        throw invalid(model + "the ONNX graph has no FLOAT output of rank 3 [batch, sequence, hidden] to pool; its outputs are "
                + outputs.keySet());
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
