package io.statim.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Request bodies for the test models. */
final class Requests {
    private Requests() {
    }

    /** INPUT0 = 0..15 (+ row*16), INPUT1 = all ones, for {@code rows} rows. */
    static String simpleJson(int rows, boolean binaryOutput) {
        StringBuilder in0 = new StringBuilder();
        StringBuilder in1 = new StringBuilder();
        for (int i = 0; i < rows * 16; i++) {
            in0.append(i == 0 ? "" : ",").append(i);
            in1.append(i == 0 ? "" : ",").append(1);
        }
        return "{\"id\":\"r1\",\"inputs\":["
                + "{\"name\":\"INPUT0\",\"shape\":[" + rows + ",16],\"datatype\":\"INT32\",\"data\":[" + in0 + "]},"
                + "{\"name\":\"INPUT1\",\"shape\":[" + rows + ",16],\"datatype\":\"INT32\",\"data\":[" + in1 + "]}],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":" + binaryOutput + "}},"
                + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":" + binaryOutput + "}}]}";
    }

    /** A variable_cost request whose cost grows with {@code repeat}. */
    static String variableCostJson(long repeat) {
        return variableCostJson(1, repeat, "");
    }

    /**
     * A variable_cost request of {@code rows} rows of ones, each asking for {@code repeat} loop passes;
     * {@code parameters} is empty or a JSON object of request parameters.
     */
    static String variableCostJson(int rows, long repeat, String parameters) {
        String repeats = (repeat + ",").repeat(rows);
        return "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[" + rows + ",16],\"datatype\":\"FP32\",\"data\":["
                + "1,".repeat(rows * 16 - 1) + "1]},"
                + "{\"name\":\"REPEAT\",\"shape\":[" + rows + ",1],\"datatype\":\"INT64\",\"data\":["
                + repeats.substring(0, repeats.length() - 1) + "]}]"
                + (parameters.isEmpty() ? "" : ",\"parameters\":" + parameters) + "}";
    }

    /** A binary-extension body: JSON header then the raw bytes of both inputs. */
    record Binary(byte[] body, int jsonLength) {
    }

    /** simple over the binary extension, with {@code extraBytes} appended and {@code missing} bytes cut. */
    static Binary simpleBinary(int extraBytes, int missingBytes) {
        String header = "{\"inputs\":["
                + "{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}},"
                + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer tensors = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            tensors.putInt(i);
        }
        for (int i = 0; i < 16; i++) {
            tensors.putInt(2);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json);
        out.write(tensors.array(), 0, 128 - missingBytes);
        out.writeBytes(new byte[extraBytes]);
        return new Binary(out.toByteArray(), json.length);
    }
}
