package io.statim.runtime;

import io.statim.core.device.Releasable;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import java.util.List;

/**
 * The outputs of one request. The tensors are views of device memory that the response owns; the
 * owner (the protocol layer, after encoding) calls {@link #release()} once.
 *
 * @param modelName    the model that answered
 * @param modelVersion the version that answered
 * @param id           the request id ("" when none)
 * @param outputs      the outputs, in the order the request asked for them
 * @param memory       what backs the outputs, released by {@link #release()}
 */
public record InferenceResponse(String modelName, long modelVersion, String id, List<Tensor> outputs, List<Releasable> memory)
        implements Releasable {

    public InferenceResponse {
        outputs = List.copyOf(outputs);
        memory = List.copyOf(memory);
    }

    /** The output of this name, or {@code null}. */
    public Tensor output(String name) {
        for (Tensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The outputs a request asked for, in the order it named them; all outputs, in response order,
     * when it named none. Every protocol answers in this order.
     *
     * @throws StatusException INTERNAL when the response lacks an output that was asked for
     */
    public Tensor[] outputsInOrder(List<String> requested) {
        if (requested.isEmpty()) {
            return outputs.toArray(new Tensor[0]);
        }
        Tensor[] out = new Tensor[requested.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = output(requested.get(i));
            if (out[i] == null) {
                throw new StatusException(Code.INTERNAL, "model '" + modelName + "' did not produce the requested output '"
                        + requested.get(i) + "'");
            }
        }
        return out;
    }

    @Override
    public void release() {
        for (Releasable r : memory) {
            r.release();
        }
    }
}
