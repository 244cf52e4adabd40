package io.statim.protocol.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.protocol.session.SessionBinding;
import io.statim.protocol.session.SessionIntent;
import io.statim.runtime.InferenceResponse;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Encodes an {@link InferenceResponse} as a {@code ModelInferResponse}: the outputs in the order the
 * request named them (all of the model's, in response order, when it named none), their bytes in
 * {@code raw_output_contents}.
 *
 * <p>Memory: each output is copied once out of the response's device buffer into a {@code byte[]} that
 * the message then owns ({@code UnsafeByteOperations.unsafeWrap}, so protobuf does not copy it again).
 * The copy is what lets the caller release the response's buffers as soon as this returns, before gRPC
 * serializes the message on its own schedule. Static and thread-safe.
 */
final class GrpcResponseEncoder {
    /** A {@code byte[]} holds at most this many bytes. */
    private static final long MAX_OUTPUT_BYTES = Integer.MAX_VALUE - 8;

    private GrpcResponseEncoder() {
    }

    /**
     * The message for {@code response}; the caller keeps owning the response and releases it after this
     * returns.
     *
     * @throws StatusException INTERNAL when an output asked for is missing, RESOURCE_EXHAUSTED when one is
     *     over 2 GiB
     */
    static ModelInferResponse encode(InferenceResponse response, List<String> requestedOutputs) {
        return encode(response, requestedOutputs, null);
    }

    /** As {@link #encode(InferenceResponse, List)}, with the parameters that tell what the request did to its session. */
    static ModelInferResponse encode(InferenceResponse response, List<String> requestedOutputs, SessionBinding session) {
        Tensor[] outputs = response.outputsInOrder(requestedOutputs);
        ModelInferResponse.Builder message = ModelInferResponse.newBuilder()
                .setModelName(response.modelName())
                .setModelVersion(Long.toString(response.modelVersion()))
                .setId(response.id());
        if (session != null && session.openedId() != null) {
            // The id of the session this request opened: the caller needs it when the server named it.
            message.putParameters(SessionIntent.SEQUENCE_ID, InferParameter.newBuilder().setStringParam(session.openedId()).build());
        }
        if (session != null && session.closedId() != null) {
            message.putParameters(SessionIntent.SEQUENCE_END, InferParameter.newBuilder().setBoolParam(true).build());
        }
        for (Tensor t : outputs) {
            if (t.byteSize() > MAX_OUTPUT_BYTES) {
                throw new StatusException(Code.RESOURCE_EXHAUSTED, "output '" + t.name() + "' of model '" + response.modelName()
                        + "' has " + t.byteSize() + " bytes; a gRPC message holds at most " + MAX_OUTPUT_BYTES);
            }
            ModelInferResponse.InferOutputTensor.Builder out = message.addOutputsBuilder()
                    .setName(t.name())
                    .setDatatype(t.dataType().wireName());
            for (int i = 0; i < t.shape().rank(); i++) {
                out.addShape(t.shape().dim(i));
            }
            message.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.data().toArray(ValueLayout.JAVA_BYTE)));
        }
        return message.build();
    }
}
