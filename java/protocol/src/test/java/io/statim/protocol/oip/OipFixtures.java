package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.statim.core.device.Releasable;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.runtime.InferenceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Models, request bodies and response readers shared by the protocol's tests. */
public final class OipFixtures {
    private OipFixtures() {
    }

    /** Triton's "simple" example: two INT32 [16] inputs and outputs, batching up to 8. */
    public static final ModelConfig SIMPLE = ModelConfigParser.parse("""
            name: "simple"
            max_batch_size: 8
            input [
              { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
              { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
            ]
            output [
              { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
              { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
            ]
            """, "simple/config.pbtxt", "simple");

    /** A non-batching model with one input IN and one output OUT of {@code type} and any shape of rank {@code rank}. */
    static ModelConfig identity(DataType type, int rank) {
        String dims = String.join(", ", java.util.Collections.nCopies(rank, "-1"));
        return ModelConfigParser.parse("""
                name: "identity"
                input [ { name: "IN" data_type: %1$s dims: [ %2$s ] } ]
                output [ { name: "OUT" data_type: %1$s dims: [ %2$s ] } ]
                """.formatted(type.configName(), dims), "identity/config.pbtxt", "identity");
    }

    /** A request body: its bytes and the value of its Inference-Header-Content-Length (-1: all JSON). */
    record Body(MemorySegment segment, long jsonLength) {
        /** A body of JSON only. */
        static Body json(String json) {
            return new Body(MemorySegment.ofArray(json.getBytes(StandardCharsets.UTF_8)), -1);
        }

        /** A JSON header followed by binary tensors, back to back. */
        static Body binary(String json, byte[]... tensors) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] header = json.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(header);
            for (byte[] t : tensors) {
                out.writeBytes(t);
            }
            return new Body(MemorySegment.ofArray(out.toByteArray()), header.length);
        }
    }

    /** A simple-model request with INPUT0 = 0..15 and INPUT1 = all ones, as JSON. */
    static String simpleRequest(String outputs) {
        return """
                {"id":"42","inputs":[
                  {"name":"INPUT0","shape":[1,16],"datatype":"INT32","data":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},
                  {"name":"INPUT1","shape":[1,16],"datatype":"INT32","data":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}
                ]%s}""".formatted(outputs.isEmpty() ? "" : ",\"outputs\":" + outputs);
    }

    /** Little-endian ints. */
    static byte[] int32s(int... values) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            seg.set(TensorLayout.I32, 4L * i, values[i]);
        }
        return seg.toArray(TensorLayout.I8);
    }

    static int[] int32s(Tensor t) {
        return t.data().toArray(TensorLayout.I32);
    }

    /**
     * A response that echoes each input as the output named by {@code rename} ("INPUT0" -> "OUTPUT0"),
     * backed by the request's own memory (so releasing the request frees it; the response owns nothing).
     */
    static InferenceResponse echo(DecodedRequest request, Map<String, String> rename) {
        List<Tensor> outputs = new ArrayList<>();
        for (Tensor in : request.inputs()) {
            outputs.add(new Tensor(rename.getOrDefault(in.name(), in.name()), in.dataType(), in.shape(), in.data()));
        }
        return new InferenceResponse("m", 1, request.id(), outputs, List.<Releasable>of());
    }

    /** The JSON part of an encoded body as maps, lists, strings, numbers and booleans. */
    static Map<String, Object> jsonOf(EncodedResponse response) {
        ByteBuf body = response.body();
        int length = response.jsonLength() < 0 ? body.readableBytes() : response.jsonLength();
        byte[] bytes = new byte[length];
        body.getBytes(body.readerIndex(), bytes);
        return parseObject(bytes);
    }

    /** The JSON written to a buffer, as {@link #jsonOf(EncodedResponse)} reads it. */
    static Map<String, Object> jsonOf(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return parseObject(bytes);
    }

    /** The binary part of an encoded body. */
    static byte[] binaryOf(EncodedResponse response) {
        ByteBuf body = response.body();
        byte[] bytes = new byte[body.readableBytes() - response.jsonLength()];
        body.getBytes(body.readerIndex() + response.jsonLength(), bytes);
        return bytes;
    }

    /** {@code outputs[index]} of a response's JSON. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> output(Map<String, Object> json, int index) {
        return ((List<Map<String, Object>>) json.get("outputs")).get(index);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseObject(byte[] bytes) {
        try (JsonParser p = new JsonFactory().createParser(bytes)) {
            p.nextToken();
            return (Map<String, Object>) readValue(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, readValue(p));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
            case VALUE_NULL -> null;
            default -> throw new IllegalStateException("unexpected " + t);
        };
    }
}
