package io.statim.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.model.onnx.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Requests and expected answers of the session test models. {@code session_document}: a document of
 * {@link #DOCUMENT_ROWS} rows whose values are small integers, so every dot product is exact in FP32.
 * {@code accumulator}: one row of {@link TestModels#ACCUMULATOR_WIDTH} values per request.
 */
final class SessionRequests {
    static final int DOCUMENT_ROWS = 4;
    static final int WIDTH = TestModels.SESSION_DOCUMENT_WIDTH;
    static final String NEW_SESSION_BODY = "{\"requestType\":\"NEW_SESSION\"}";
    static final String CLOSE_BODY = "{\"requestType\":\"CLOSE\"}";
    /** SageMaker's documented form of {@code X-Amzn-SageMaker-New-Session-Id}. */
    static final String NEW_SESSION_ID_FORM = "^[a-zA-Z0-9](-*[a-zA-Z0-9])*;\\sExpires=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SessionRequests() {
    }

    /** {@code DOCUMENT[r][j]}. */
    static float document(int row, int column) {
        return (row + 1) * (column % 3 + 1);
    }

    /** {@code QUERY[j]} of query number {@code q}. */
    static float query(int q, int column) {
        return (column + q) % 5 - 2;
    }

    /** {@code DOCUMENT[row] · QUERY(q)}, computed here by hand. */
    static float score(int row, int q) {
        double sum = 0;
        for (int j = 0; j < WIDTH; j++) {
            sum += (double) document(row, j) * query(q, j);
        }
        return (float) sum;
    }

    /**
     * A session_document request as OIP JSON.
     *
     * @param withDocument send DOCUMENT (the first request of a session), or leave it to the session
     * @param parameters   the request's {@code parameters} object, or {@code null}
     */
    static String documentJson(boolean withDocument, int q, String parameters, int... rows) {
        StringBuilder b = new StringBuilder("{");
        if (parameters != null) {
            b.append("\"parameters\":").append(parameters).append(',');
        }
        b.append("\"inputs\":[");
        if (withDocument) {
            b.append("{\"name\":\"DOCUMENT\",\"shape\":[").append(DOCUMENT_ROWS).append(',').append(WIDTH)
                    .append("],\"datatype\":\"FP32\",\"data\":[");
            for (int r = 0; r < DOCUMENT_ROWS; r++) {
                for (int j = 0; j < WIDTH; j++) {
                    b.append(r + j == 0 ? "" : ",").append((int) document(r, j));
                }
            }
            b.append("]},");
        }
        b.append("{\"name\":\"ROWS\",\"shape\":[").append(rows.length).append("],\"datatype\":\"INT64\",\"data\":[");
        for (int i = 0; i < rows.length; i++) {
            b.append(i == 0 ? "" : ",").append(rows[i]);
        }
        b.append("]},{\"name\":\"QUERY\",\"shape\":[").append(WIDTH).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int j = 0; j < WIDTH; j++) {
            b.append(j == 0 ? "" : ",").append((int) query(q, j));
        }
        return b.append("]}]}").toString();
    }

    /** A binary-extension body: JSON header, then DOCUMENT, ROWS and QUERY as raw little-endian bytes. */
    record Binary(byte[] body, int jsonLength) {
    }

    /** The first request of a session over the binary extension, asking for SCORES as JSON. */
    static Binary documentBinary(int q, int... rows) {
        int documentBytes = DOCUMENT_ROWS * WIDTH * Float.BYTES;
        String header = "{\"inputs\":["
                + "{\"name\":\"DOCUMENT\",\"shape\":[" + DOCUMENT_ROWS + "," + WIDTH + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                + documentBytes + "}},"
                + "{\"name\":\"ROWS\",\"shape\":[" + rows.length + "],\"datatype\":\"INT64\",\"parameters\":{\"binary_data_size\":"
                + rows.length * Long.BYTES + "}},"
                + "{\"name\":\"QUERY\",\"shape\":[" + WIDTH + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                + WIDTH * Float.BYTES + "}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer tensors = ByteBuffer.allocate(documentBytes + rows.length * Long.BYTES + WIDTH * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < DOCUMENT_ROWS; r++) {
            for (int j = 0; j < WIDTH; j++) {
                tensors.putFloat(document(r, j));
            }
        }
        for (int row : rows) {
            tensors.putLong(row);
        }
        for (int j = 0; j < WIDTH; j++) {
            tensors.putFloat(query(q, j));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json);
        out.writeBytes(tensors.array());
        return new Binary(out.toByteArray(), json.length);
    }

    /** An accumulator request adding {@code value} to each of the four sums. */
    static String accumulatorJson(String parameters, float value) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < TestModels.ACCUMULATOR_WIDTH; i++) {
            data.append(i == 0 ? "" : ",").append(value * (i + 1));
        }
        return "{\"parameters\":" + parameters + ",\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1," + TestModels.ACCUMULATOR_WIDTH
                + "],\"datatype\":\"FP32\",\"data\":[" + data + "]}],\"outputs\":[{\"name\":\"OUTPUT\"},{\"name\":\"CONTROLS\"}]}";
    }

    /** The {@code data} of output {@code name} of an OIP JSON response, as floats. */
    static float[] floats(String responseJson, String name) {
        JsonNode data = output(responseJson, name).get("data");
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) data.get(i).asDouble();
        }
        return values;
    }

    /** The {@code data} of output {@code name} of an OIP JSON response, as ints. */
    static int[] ints(String responseJson, String name) {
        JsonNode data = output(responseJson, name).get("data");
        int[] values = new int[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i).asInt();
        }
        return values;
    }

    /** A field of a JSON object body. */
    static String field(String json, String name) {
        return parse(json).get(name).asText();
    }

    private static JsonNode output(String responseJson, String name) {
        for (JsonNode o : parse(responseJson).get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + responseJson);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
