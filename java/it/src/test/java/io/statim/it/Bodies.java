package io.statim.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.model.onnx.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Request bodies and expected answers of the session test models (as the server's own session tests
 * build them). {@code session_document}: a document of {@link #DOCUMENT_ROWS} rows of small integers,
 * so every score is exact in FP32; {@code accumulator}: one row of four values per request.
 */
final class Bodies {
    static final int DOCUMENT_ROWS = 4;
    static final int WIDTH = TestModels.SESSION_DOCUMENT_WIDTH;
    static final String NEW_SESSION = "{\"requestType\":\"NEW_SESSION\"}";
    static final String CLOSE = "{\"requestType\":\"CLOSE\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Bodies() {
    }

    /** DOCUMENT[r][j] of session {@code s}: each session has its own document. */
    static float document(int s, int row, int column) {
        return (row + 1 + s % 7) * (column % 3 + 1);
    }

    static float query(int q, int column) {
        return (column + q) % 5 - 2;
    }

    static float score(int s, int row, int q) {
        double sum = 0;
        for (int j = 0; j < WIDTH; j++) {
            sum += (double) document(s, row, j) * query(q, j);
        }
        return (float) sum;
    }

    /** A session_document request of session {@code s}; the first one sends the document. */
    static String question(int s, boolean withDocument, int q, int row) {
        StringBuilder b = new StringBuilder("{\"inputs\":[");
        if (withDocument) {
            b.append("{\"name\":\"DOCUMENT\",\"shape\":[").append(DOCUMENT_ROWS).append(',').append(WIDTH).append("],\"datatype\":\"FP32\",\"data\":[");
            for (int r = 0; r < DOCUMENT_ROWS; r++) {
                for (int j = 0; j < WIDTH; j++) {
                    b.append(r + j == 0 ? "" : ",").append((int) document(s, r, j));
                }
            }
            b.append("]},");
        }
        b.append("{\"name\":\"ROWS\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[").append(row).append("]},");
        b.append("{\"name\":\"QUERY\",\"shape\":[").append(WIDTH).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int j = 0; j < WIDTH; j++) {
            b.append(j == 0 ? "" : ",").append((int) query(q, j));
        }
        return b.append("]}]}").toString();
    }

    /** An accumulator request adding {@code value * (i + 1)} to sum i. */
    static String accumulate(String parameters, float value) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < TestModels.ACCUMULATOR_WIDTH; i++) {
            data.append(i == 0 ? "" : ",").append(value * (i + 1));
        }
        return "{\"parameters\":" + parameters + ",\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1," + TestModels.ACCUMULATOR_WIDTH
                + "],\"datatype\":\"FP32\",\"data\":[" + data + "]}],\"outputs\":[{\"name\":\"OUTPUT\"}]}";
    }

    /** The {@code data} of output {@code name} of an OIP JSON response. */
    static float[] floats(String responseJson, String name) {
        for (JsonNode o : parse(responseJson).get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                JsonNode data = o.get("data");
                float[] values = new float[data.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) data.get(i).asDouble();
                }
                return values;
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
