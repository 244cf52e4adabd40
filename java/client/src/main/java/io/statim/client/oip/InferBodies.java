package io.statim.client.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.statim.client.Datatype;
import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.InferTensor;
import io.statim.client.Protocol;
import io.statim.client.StatimClientException;
import io.statim.client.http.HttpCall;
import io.statim.client.http.HttpReply;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bodies of OIP REST inference: encodes an {@link InferRequest} as JSON or with Triton's binary
 * tensor extension (JSON header, then each input's raw bytes in input order), and decodes a response
 * of either form. Stateless and thread-safe.
 */
final class InferBodies {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String JSON_TYPE = "application/json";
    private static final String BINARY_TYPE = "application/octet-stream";

    private InferBodies() {
    }

    /** The HTTP call for {@code request}; its body is built here, once. */
    static HttpCall encode(InferRequest request, Encoding encoding) {
        boolean binary = encoding == Encoding.BINARY;
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (binary ? rawBytes(request) : 0));
        int jsonLength;
        try {
            try (JsonGenerator g = JSON.createGenerator(out)) {
                writeHeader(g, request, binary);
            }
            jsonLength = out.size();
            if (!binary) {
                return new HttpCall(HttpMethod.POST, RestPaths.infer(request.model(), request.version()), JSON_TYPE, -1, out.toByteArray());
            }
            for (InferTensor t : request.inputs()) {
                t.writeRawTo(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the request", e);
        }
        return new HttpCall(HttpMethod.POST, RestPaths.infer(request.model(), request.version()), BINARY_TYPE, jsonLength, out.toByteArray());
    }

    private static int rawBytes(InferRequest request) {
        int n = 0;
        for (InferTensor t : request.inputs()) {
            n += t.byteSize();
        }
        return n;
    }

    private static void writeHeader(JsonGenerator g, InferRequest request, boolean binary) throws IOException {
        g.writeStartObject();
        if (!request.id().isEmpty()) {
            g.writeStringField("id", request.id());
        }
        if (!request.parameters().isEmpty() || (binary && request.outputs().isEmpty())) {
            g.writeObjectFieldStart("parameters");
            for (Map.Entry<String, Object> e : request.parameters().entrySet()) {
                g.writeFieldName(e.getKey());
                g.writeObject(e.getValue());
            }
            if (binary && request.outputs().isEmpty()) {
                g.writeBooleanField("binary_data_output", true);
            }
            g.writeEndObject();
        }
        g.writeArrayFieldStart("inputs");
        for (InferTensor t : request.inputs()) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeFieldName("shape");
            g.writeArray(t.shape(), 0, t.shape().length);
            g.writeStringField("datatype", t.datatype().name());
            if (binary) {
                g.writeObjectFieldStart("parameters");
                g.writeNumberField("binary_data_size", t.byteSize());
                g.writeEndObject();
            } else {
                g.writeFieldName("data");
                TensorJson.write(g, t);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        if (!request.outputs().isEmpty()) {
            g.writeArrayFieldStart("outputs");
            for (String name : request.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", name);
                if (binary) {
                    g.writeObjectFieldStart("parameters");
                    g.writeBooleanField("binary_data", true);
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** A result that decodes {@code reply} (status 200) when first read. */
    static InferResult decodeLazily(HttpReply reply, Protocol protocol) {
        return InferResult.lazily(() -> decode(reply, protocol));
    }

    static InferResult decode(HttpReply reply, Protocol protocol) {
        byte[] body = reply.body();
        int jsonLength = reply.jsonLength() >= 0 ? reply.jsonLength() : body.length;
        if (jsonLength > body.length) {
            throw StatimClientException.failed(protocol, "Inference-Header-Content-Length " + jsonLength + " exceeds the body of "
                    + body.length + " bytes", null);
        }
        try (JsonParser p = JSON.createParser(body, 0, jsonLength)) {
            return new ResponseReader(body, jsonLength).read(p);
        } catch (IOException | RuntimeException e) {
            if (e instanceof StatimClientException s) {
                throw s;
            }
            throw StatimClientException.failed(protocol, "malformed inference response: " + e.getMessage(), e);
        }
    }

    /** Reads one response; the binary tail is consumed in output order. */
    private static final class ResponseReader {
        private final byte[] body;
        private int binaryOffset;
        private String modelName = "";
        private String modelVersion = "";
        private String id = "";
        private final List<InferTensor> outputs = new ArrayList<>();

        ResponseReader(byte[] body, int jsonLength) {
            this.body = body;
            this.binaryOffset = jsonLength;
        }

        InferResult read(JsonParser p) throws IOException {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model_name" -> modelName = p.getText();
                    case "model_version" -> modelVersion = p.getText();
                    case "id" -> id = p.getText();
                    case "outputs" -> readOutputs(p);
                    default -> p.skipChildren();
                }
            }
            return InferResult.of(modelName, modelVersion, id, outputs);
        }

        private void readOutputs(JsonParser p) throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                outputs.add(readOutput(p));
            }
        }

        /** One output; its "data" may come before its datatype and shape, so it is read afterwards. */
        private InferTensor readOutput(JsonParser p) throws IOException {
            String name = "";
            Datatype type = null;
            long[] shape = null;
            long binarySize = -1;
            long dataOffset = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> name = p.getText();
                    case "datatype" -> type = Datatype.of(p.getText());
                    case "shape" -> shape = readShape(p);
                    case "parameters" -> binarySize = readBinarySize(p);
                    case "data" -> {
                        dataOffset = p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            if (type == null || shape == null) {
                throw new IOException("output '" + name + "' lacks a datatype or shape");
            }
            if (binarySize >= 0) {
                if (binaryOffset + binarySize > body.length) {
                    throw new IOException("output '" + name + "' has " + binarySize + " binary bytes past the end of the body");
                }
                byte[] raw = java.util.Arrays.copyOfRange(body, binaryOffset, binaryOffset + (int) binarySize);
                binaryOffset += (int) binarySize;
                return InferTensor.ofRaw(name, type, shape, raw);
            }
            if (dataOffset < 0) {
                throw new IOException("output '" + name + "' has neither data nor binary_data_size");
            }
            try (JsonParser data = JSON.createParser(body, (int) dataOffset, body.length - (int) dataOffset)) {
                data.nextToken();
                return InferTensor.ofRaw(name, type, shape, TensorJson.read(data, type, elements(shape)));
            }
        }

        private static long[] readShape(JsonParser p) throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY);
            long[] dims = new long[8];
            int n = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (n == dims.length) {
                    dims = java.util.Arrays.copyOf(dims, n * 2);
                }
                dims[n++] = p.getLongValue();
            }
            return java.util.Arrays.copyOf(dims, n);
        }

        private static long readBinarySize(JsonParser p) throws IOException {
            long size = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("binary_data_size")) {
                    size = p.getLongValue();
                } else {
                    p.skipChildren();
                }
            }
            return size;
        }

        private static long elements(long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        private static void expect(JsonToken actual, JsonToken expected) throws IOException {
            if (actual != expected) {
                throw new IOException("expected " + expected + " but found " + actual);
            }
        }
    }
}
