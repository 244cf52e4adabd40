package io.statim.protocol.oip;

import io.statim.core.device.Releasable;
import io.statim.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An OIP inference request after decoding and validation against the model's configuration.
 *
 * <p>Ownership: the tensors are views. Inputs sent as JSON live in staging buffers listed in
 * {@code memory}, which this request owns; inputs sent as binary are slices of the request body,
 * which the caller that handed the body to the decoder keeps alive. The owner (the front end) calls
 * {@link #release()} exactly once, after the response was encoded or the request failed, and frees the
 * body after that. Immutable apart from that; safe to read from any thread.
 *
 * @param id                  the caller's request id, "" when none
 * @param inputs              the inputs, in request order
 * @param requestedOutputs    the outputs asked for, in request order; empty for all of the model's
 * @param binaryOutputDefault the request parameter {@code binary_data_output}: whether outputs that
 *                            say nothing themselves (or all, when none were asked for) are binary
 * @param parameters          the request-level {@code parameters}, values String, Long, Double or
 *                            Boolean (priority, timeout, sequence_id, ...)
 * @param batchSize           rows in the batch dimension, 1 for a model that does not batch
 * @param memory              the staging buffers behind the JSON inputs
 */
public record DecodedRequest(
        String id,
        List<Tensor> inputs,
        List<RequestedOutput> requestedOutputs,
        boolean binaryOutputDefault,
        Map<String, Object> parameters,
        long batchSize,
        List<Releasable> memory) implements Releasable {

    public DecodedRequest {
        Objects.requireNonNull(id, "id");
        inputs = List.copyOf(inputs);
        requestedOutputs = List.copyOf(requestedOutputs);
        parameters = Map.copyOf(parameters);
        memory = List.copyOf(memory);
    }

    /** The names of {@link #requestedOutputs()}, as {@code InferenceRequest} takes them. */
    public List<String> outputNames() {
        List<String> names = new ArrayList<>(requestedOutputs.size());
        for (RequestedOutput output : requestedOutputs) {
            names.add(output.name());
        }
        return names;
    }

    /** Whether the output of this name goes in the binary part of the response. */
    public boolean isBinaryOutput(String name) {
        for (RequestedOutput output : requestedOutputs) {
            if (output.name().equals(name)) {
                return output.binary();
            }
        }
        return binaryOutputDefault;
    }

    /** Releases the staging buffers of the JSON inputs. Once, by the owner; any thread. */
    @Override
    public void release() {
        for (Releasable r : memory) {
            r.release();
        }
    }
}
