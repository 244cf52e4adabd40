package io.statim.server;

import com.google.protobuf.ByteString;
import io.statim.grpc.api.InferTensorContents;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferInputTensor;
import io.statim.model.onnx.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** ModelInferRequests for the test models, built with the generated message builders. */
final class GrpcRequests {
    private GrpcRequests() {
    }

    /** simple, one row: INPUT0 = 0..15, INPUT1 = all ones, in raw_input_contents; no outputs named. */
    static ModelInferRequest.Builder simpleRaw(String id) {
        int[] in0 = new int[16];
        int[] in1 = new int[16];
        for (int i = 0; i < 16; i++) {
            in0[i] = i;
            in1[i] = 1;
        }
        return ModelInferRequest.newBuilder()
                .setModelName(TestModels.SIMPLE)
                .setId(id)
                .addInputs(input("INPUT0", "INT32", 1, 16))
                .addInputs(input("INPUT1", "INT32", 1, 16))
                .addRawInputContents(ints(in0))
                .addRawInputContents(ints(in1));
    }

    /** variable_cost, one row of ones, whose execution runs {@code repeat} loop passes. */
    static ModelInferRequest variableCost(String id, long repeat) {
        return variableCost(TestModels.VARIABLE_COST, id, 1, repeat);
    }

    /**
     * A request of {@code model} (variable_cost or a copy of it): {@code rows} rows of ones, whose
     * execution runs {@code repeat} loop passes.
     */
    static ModelInferRequest variableCost(String model, String id, int rows, long repeat) {
        ByteBuffer in = ByteBuffer.allocate(rows * 16 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * 16; i++) {
            in.putFloat(1f);
        }
        ByteBuffer passes = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows; i++) {
            passes.putLong(repeat);
        }
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .setId(id)
                .addInputs(input("INPUT0", "FP32", rows, 16))
                .addInputs(input("REPEAT", "INT64", rows, 1))
                .addRawInputContents(ByteString.copyFrom(in.array()))
                .addRawInputContents(ByteString.copyFrom(passes.array()))
                .build();
    }

    static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder in = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            in.addShape(d);
        }
        return in;
    }

    /** Typed contents of INT32 values. */
    static InferTensorContents intContents(int... values) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int v : values) {
            c.addIntContents(v);
        }
        return c.build();
    }

    /** Little-endian INT32 bytes. */
    static ByteString ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return ByteString.copyFrom(b.array());
    }

    /** The INT32 values of little-endian bytes. */
    static int[] ints(ByteString bytes) {
        ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt(i * 4);
        }
        return out;
    }
}
