package io.statim.protocol.grpc;

import com.google.protobuf.ByteString;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferInputTensor;
import io.statim.grpc.api.ModelInferRequest.InferRequestedOutputTensor;
import io.statim.model.config.ModelConfig;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.RequestedOutput;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.RequestValidator;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@code ModelInferRequest} into a {@link DecodedRequest} checked against the model's
 * configuration by the same {@link RequestValidator} as the REST path.
 *
 * <p>Inputs in {@code raw_input_contents} become read-only views of the message's {@code ByteString}s:
 * no copy beyond the one protobuf made when it parsed the message (a heap array, which the backend copies
 * into its staging memory as it does for any heap input). Inputs in typed {@code contents} are written
 * into heap arrays ({@link TypedContents} says why not pooled memory). So a decoded gRPC request leases
 * no device memory, and its {@code release()} has nothing to give back. Outputs are always answered in
 * {@code raw_output_contents}, so every requested output is marked binary.
 *
 * <p>Errors are {@link StatusException}s: INVALID_ARGUMENT naming the input and the numbers (never a
 * value), PAYLOAD_TOO_LARGE over the element limit. Stateless and thread-safe.
 */
public final class GrpcRequestDecoder {
    private final RequestValidator validator;

    public GrpcRequestDecoder(RequestValidator validator) {
        this.validator = validator;
    }

    /**
     * Decodes and validates one request. The caller owns the result and releases it once, after the
     * response was encoded or the request failed; the inputs keep the message's bytes reachable until
     * they are no longer referenced.
     */
    public DecodedRequest decode(ModelInferRequest request, ModelConfig config) {
        List<Tensor> inputs = inputs(request);
        List<String> names = new ArrayList<>(request.getOutputsCount());
        List<RequestedOutput> outputs = new ArrayList<>(request.getOutputsCount());
        for (InferRequestedOutputTensor out : request.getOutputsList()) {
            names.add(out.getName());
            outputs.add(new RequestedOutput(out.getName(), true));
        }
        validator.validateOutputs(config, names);
        long batchSize = validator.validate(config, inputs);
        return new DecodedRequest(request.getId(), inputs, outputs, true, request.getParametersCount() == 0 ? Map.of() : parameters(request.getParametersMap()), batchSize,
                List.of());
    }

    /**
     * A model version as the protocol sends it: empty for the newest served one.
     *
     * @throws StatusException INVALID_ARGUMENT when it is not a positive integer
     */
    public static long version(String version) {
        if (version.isEmpty()) {
            return InferenceRequest.LATEST;
        }
        try {
            long v = Long.parseLong(version);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StatusException(Code.INVALID_ARGUMENT, "model version must be a positive integer");
    }

    private static List<Tensor> inputs(ModelInferRequest request) {
        int raw = request.getRawInputContentsCount();
        if (raw != 0 && raw != request.getInputsCount()) {
            throw invalid("the request has " + raw + " raw_input_contents for " + request.getInputsCount()
                    + " inputs; send one per input, in input order, or none");
        }
        List<Tensor> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            InferInputTensor in = request.getInputs(i);
            DataType type = DataType.fromWireName(in.getDatatype());
            if (type == null) {
                throw invalid("input '" + in.getName() + "' has unknown datatype '" + in.getDatatype() + "'");
            }
            Shape shape = shape(in);
            MemorySegment data;
            if (raw != 0) {
                if (in.hasContents()) {
                    throw invalid("input '" + in.getName() + "' has contents but the request uses raw_input_contents; "
                            + "use one or the other");
                }
                data = view(request.getRawInputContents(i));
            } else {
                data = TypedContents.write(in.getName(), type, shape, in.getContents());
            }
            inputs.add(new Tensor(in.getName(), type, shape, data));
        }
        return inputs;
    }

    private static Shape shape(InferInputTensor in) {
        long[] dims = new long[in.getShapeCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = in.getShape(i);
            if (dims[i] < 0) {
                throw invalid("input '" + in.getName() + "' has a negative dimension in its shape; dimensions must be >= 0");
            }
        }
        return Shape.of(dims);
    }

    /** The bytes as a read-only segment over the ByteString's own array (a literal ByteString is not copied). */
    private static MemorySegment view(ByteString bytes) {
        return MemorySegment.ofBuffer(bytes.asReadOnlyByteBuffer());
    }

    /** The request parameters as the values {@code SchedulingParameters} reads: Boolean, Long, String or Double. */
    private static Map<String, Object> parameters(Map<String, InferParameter> parameters) {
        if (parameters.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new HashMap<>(parameters.size() * 2);
        for (Map.Entry<String, InferParameter> e : parameters.entrySet()) {
            InferParameter p = e.getValue();
            Object value = switch (p.getParameterChoiceCase()) {
                case BOOL_PARAM -> p.getBoolParam();
                case INT64_PARAM -> p.getInt64Param();
                case STRING_PARAM -> p.getStringParam();
                case DOUBLE_PARAM -> p.getDoubleParam();
                // Unsigned values past Long.MAX_VALUE read as negative, which the readers refuse.
                case UINT64_PARAM -> p.getUint64Param();
                case PARAMETERCHOICE_NOT_SET -> null;
            };
            if (value != null) {
                out.put(e.getKey(), value);
            }
        }
        return out;
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
