package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.runtime.InferenceResponse;
import java.io.IOException;

/**
 * Encodes an inference response as an Open Inference Protocol (KServe v2) REST body with Triton's
 * binary tensor extension: {@code {"model_name", "model_version", "id", "outputs": [...]}}, then the
 * bytes of the binary outputs back to back, in output order.
 *
 * <p>Outputs come in the order the request asked for them, or in the response's order when it asked for
 * none. Each is binary or JSON as {@link DecodedRequest#isBinaryOutput} says. Copying the output bytes
 * into the body is the one copy the protocol forces: the response's memory is released after encoding.
 *
 * <p>Thread-safe and stateless: one instance serves every event loop.
 */
public final class OipResponseEncoder {
    /** Room for the JSON around the data: names, shapes and punctuation per output. */
    private static final int JSON_OVERHEAD_BYTES = 128;
    /** A rough size of one number in JSON, for the first guess of the buffer's size. */
    private static final int JSON_BYTES_PER_ELEMENT = 8;
    /** A ByteBuf holds at most 2 GiB; leave room for the JSON. */
    private static final long MAX_BINARY_BYTES = Integer.MAX_VALUE - (1 << 20);

    /**
     * Encodes {@code response} for {@code request}.
     *
     * <p>Ownership: the caller keeps owning {@code response} and {@code request} and releases them
     * after this returns (their memory is only read here). The returned body is the caller's.
     *
     * @param alloc where the body is allocated (the channel's allocator)
     * @throws StatusException INTERNAL when the response lacks an output the request asked for or holds
     *     malformed BYTES, RESOURCE_EXHAUSTED when the body would pass 2 GiB; nothing is leaked
     */
    public EncodedResponse encode(InferenceResponse response, DecodedRequest request, ByteBufAllocator alloc) {
        Tensor[] outputs = response.outputsInOrder(request.outputNames());
        boolean[] binary = new boolean[outputs.length];
        boolean anyBinary = false;
        long binaryBytes = 0;
        long jsonGuess = JSON_OVERHEAD_BYTES;
        for (int i = 0; i < outputs.length; i++) {
            Tensor t = outputs[i];
            binary[i] = request.isBinaryOutput(t.name());
            anyBinary |= binary[i];
            jsonGuess += JSON_OVERHEAD_BYTES;
            if (binary[i]) {
                binaryBytes += t.byteSize();
            } else {
                jsonGuess += JSON_BYTES_PER_ELEMENT * t.elementCount() + (t.dataType().isVariableLength() ? t.byteSize() : 0);
            }
        }
        if (binaryBytes > MAX_BINARY_BYTES) {
            throw new StatusException(Code.RESOURCE_EXHAUSTED, "the response of model '" + response.modelName() + "' has "
                    + binaryBytes + " bytes of binary outputs; one body holds at most " + MAX_BINARY_BYTES);
        }
        // A guess: the buffer grows if the JSON is longer, and a big first lease is capped.
        ByteBuf body = alloc.buffer((int) Math.min(jsonGuess + binaryBytes, MAX_BINARY_BYTES));
        try {
            writeJson(body, response, outputs, binary);
            int jsonLength = body.writerIndex();
            if (!anyBinary) {
                return new EncodedResponse(body, -1);
            }
            for (int i = 0; i < outputs.length; i++) {
                if (binary[i]) {
                    body.writeBytes(outputs[i].data().asByteBuffer());
                }
            }
            return new EncodedResponse(body, jsonLength);
        } catch (IOException e) {
            body.release();
            throw Json.internal(e);
        } catch (RuntimeException | Error e) {
            body.release();
            throw e;
        }
    }

    private static void writeJson(ByteBuf body, InferenceResponse response, Tensor[] outputs, boolean[] binary)
            throws IOException {
        JsonDataWriter data = new JsonDataWriter();
        try (JsonGenerator g = Json.generator(body)) {
            g.writeStartObject();
            g.writeStringField("model_name", response.modelName());
            g.writeStringField("model_version", Long.toString(response.modelVersion()));
            if (!response.id().isEmpty()) {
                g.writeStringField("id", response.id());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < outputs.length; i++) {
                Tensor t = outputs[i];
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("datatype", t.dataType().wireName());
                g.writeFieldName("shape");
                OipJson.writeDims(g, t.shape());
                if (binary[i]) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", t.byteSize());
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    data.write(g, t);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
