package io.statim.protocol.oip;

import static io.statim.protocol.oip.Json.invalid;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.statim.core.device.Device;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.Releasable;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.runtime.RequestValidator;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes the body of an Open Inference Protocol (KServe v2) REST inference request, with Triton's
 * binary tensor extension, into tensors checked against the model's configuration. HTTP routing is not
 * its business: the front end hands over the body and the value of the
 * {@code Inference-Header-Content-Length} header.
 *
 * <p>Body layout: a JSON header of {@code jsonLength} bytes, then the binary inputs (those with the
 * parameter {@code binary_data_size}) back to back in input order. Binary inputs become zero-copy
 * slices of the body. JSON {@code data} (flat or nested arrays) is decoded straight into a
 * {@link MemoryUse#STAGING} buffer of the given device, one per JSON input.
 *
 * <p>Errors are {@link StatusException}s: INVALID_ARGUMENT for anything that breaks the protocol or
 * does not fit the model (with a message that names the input and the numbers, never a value),
 * PAYLOAD_TOO_LARGE for an input over the element limit (checked before anything is allocated),
 * RESOURCE_EXHAUSTED when the staging budget runs out. A failed decode has released every buffer it
 * leased.
 *
 * <p>Thread-safe and stateless: one instance serves every event loop.
 */
public final class OipRequestDecoder {
    private final RequestValidator validator;

    /** @param validator checks decoded inputs against the model's configuration; its element limit also guards JSON data */
    public OipRequestDecoder(RequestValidator validator) {
        this.validator = validator;
    }

    /**
     * Decodes and validates one request.
     *
     * <p>Ownership: the returned request owns the staging buffers of its JSON inputs and its binary
     * inputs point into {@code body}. The caller releases the request once (after the response was
     * encoded or the request failed) and must keep {@code body} alive and unchanged until then. On a
     * throw nothing stays leased, and the body is still the caller's.
     *
     * @param body       the whole request body; any segment, heap or native
     * @param jsonLength the {@code Inference-Header-Content-Length} header, or -1 when the body is all JSON
     * @param config     the configuration of the model the request is for
     * @param device     where JSON input data is staged
     * @throws StatusException as described on the class
     */
    public DecodedRequest decode(MemorySegment body, long jsonLength, ModelConfig config, Device device) {
        long jsonBytes = jsonBytes(body, jsonLength);
        List<Releasable> memory = new ArrayList<>(2);
        try {
            RequestJsonReader reader = new RequestJsonReader(body.asSlice(0, jsonBytes), device,
                    validator.maxElementsPerTensor(), memory);
            reader.read();
            List<Tensor> inputs = bindInputs(reader.inputs, body, jsonBytes, jsonLength >= 0);
            boolean binaryDefault = binaryOutputDefault(reader.parameters);
            List<RequestedOutput> outputs = resolveOutputs(reader.outputs, binaryDefault, config);
            long batchSize = validator.validate(config, inputs);
            return new DecodedRequest(reader.id, inputs, outputs, binaryDefault, reader.parameters, batchSize, memory);
        } catch (JsonProcessingException e) {
            release(memory);
            throw Json.malformed(e);
        } catch (IOException e) {
            release(memory);
            throw Json.internal(e);
        } catch (RuntimeException | Error e) {
            release(memory);
            throw e;
        }
    }

    private static long jsonBytes(MemorySegment body, long jsonLength) {
        if (jsonLength == -1) {
            return body.byteSize();
        }
        if (jsonLength < 0) {
            throw invalid("Inference-Header-Content-Length is " + jsonLength + "; it must be >= 0");
        }
        if (jsonLength > body.byteSize()) {
            throw invalid("Inference-Header-Content-Length is " + jsonLength + " but the body has only " + body.byteSize()
                    + " bytes");
        }
        return jsonLength;
    }

    /** Slices each binary input out of the body, in input order, and checks that the sizes add up. */
    private static List<Tensor> bindInputs(List<PendingInput> pending, MemorySegment body, long jsonBytes,
            boolean hasBinaryPart) {
        long offset = jsonBytes;
        List<Tensor> inputs = new ArrayList<>(pending.size());
        for (PendingInput in : pending) {
            if (in.hasBinaryData()) {
                if (!hasBinaryPart) {
                    throw invalid("input " + in.label() + " has a binary_data_size parameter but the request has no "
                            + "Inference-Header-Content-Length header");
                }
                checkBinarySize(in);
                long left = body.byteSize() - offset;
                if (in.binaryDataSize > left) {
                    throw invalid("input " + in.label() + " has binary_data_size " + in.binaryDataSize + " but only " + left
                            + " bytes of binary data are left in the body");
                }
                in.data = body.asSlice(offset, in.binaryDataSize);
                offset += in.binaryDataSize;
            }
            inputs.add(in.toTensor());
        }
        if (offset != body.byteSize()) {
            throw invalid("the body has " + (body.byteSize() - offset) + " bytes after the JSON header and the binary data"
                    + " of the inputs");
        }
        return inputs;
    }

    /** BYTES sizes depend on the elements and are checked by the validator; fixed sizes here. */
    private static void checkBinarySize(PendingInput in) {
        if (in.dataType.isVariableLength()) {
            return;
        }
        long expected = in.elementCount * in.dataType.byteSize();
        if (in.binaryDataSize != expected) {
            throw invalid("input " + in.label() + " has binary_data_size " + in.binaryDataSize + " but shape " + in.shape
                    + " of " + in.dataType.wireName() + " needs " + expected + " bytes");
        }
    }

    private static boolean binaryOutputDefault(Map<String, Object> parameters) {
        Object value = parameters.get("binary_data_output");
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean b)) {
            throw invalid("request parameter 'binary_data_output' must be true or false");
        }
        return b;
    }

    private List<RequestedOutput> resolveOutputs(List<RequestJsonReader.PendingOutput> pending, boolean binaryDefault,
            ModelConfig config) {
        List<String> names = new ArrayList<>(pending.size());
        for (RequestJsonReader.PendingOutput out : pending) {
            names.add(out.name());
        }
        validator.validateOutputs(config, names);
        List<RequestedOutput> outputs = new ArrayList<>(pending.size());
        for (RequestJsonReader.PendingOutput out : pending) {
            outputs.add(new RequestedOutput(out.name(), out.binary() != null ? out.binary() : binaryDefault));
        }
        return outputs;
    }

    private static void release(List<Releasable> memory) {
        for (Releasable r : memory) {
            r.release();
        }
    }
}
