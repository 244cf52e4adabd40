package io.statim.bench.load;

import io.statim.client.Datatype;
import io.statim.client.InferRequest;
import io.statim.client.InferTensor;
import io.statim.client.ModelMetadata;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random requests generated from a model's metadata, as perf_analyzer does without input data: every
 * input at its metadata shape with variable dimensions set to the batch size (the first) or 1 (the
 * others); integers in [0, 100), floats in [0, 1), BYTES as ASCII strings of a fixed length. Seeded:
 * two runs send the same inputs.
 */
final class RandomInputs {
    private static final int INT_BOUND = 100;

    private RandomInputs() {
    }

    static List<InferRequest> requests(ModelMetadata model, int batchSize, int count, int stringLength, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<InferRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            InferRequest.Builder b = InferRequest.builder(model.name());
            for (ModelMetadata.TensorMetadata input : model.inputs()) {
                long[] shape = concreteShape(input.shape(), batchSize);
                b.input(tensor(input.name(), input.datatype(), shape, random, stringLength));
            }
            out.add(b.build());
        }
        return out;
    }

    /**
     * The requests with integer input {@code name} of request {@code i} filled with {@code values[i mod n]}
     * (same shape and type): a cost input such as {@code variable_cost}'s REPEAT gets a chosen mix.
     */
    static List<InferRequest> withIntInput(List<InferRequest> requests, String name, long[] values) {
        List<InferRequest> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            InferRequest r = requests.get(i);
            InferRequest.Builder b = InferRequest.builder(r.model());
            boolean found = false;
            for (InferTensor t : r.inputs()) {
                if (t.name().equals(name)) {
                    b.input(filled(t.name(), t.datatype(), t.shape(), values[i % values.length]));
                    found = true;
                } else {
                    b.input(t);
                }
            }
            if (!found) {
                throw new IllegalArgumentException("the model has no input '" + name + "'");
            }
            out.add(b.build());
        }
        return out;
    }

    private static InferTensor filled(String name, Datatype type, long[] shape, long value) {
        int n = Math.toIntExact(elements(shape));
        ByteBuffer b = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case UINT8, INT8 -> b.put((byte) value);
                case UINT16, INT16 -> b.putShort((short) value);
                case UINT32, INT32 -> b.putInt((int) value);
                case UINT64, INT64 -> b.putLong(value);
                default -> throw new IllegalArgumentException("input '" + name + "' is " + type + ", not an integer type");
            }
        }
        return InferTensor.ofRaw(name, type, shape, b.array());
    }

    /** The shape with its first variable dimension set to {@code batchSize} and any other to 1. */
    static long[] concreteShape(long[] metadataShape, int batchSize) {
        long[] shape = metadataShape.clone();
        boolean first = true;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                shape[i] = first ? batchSize : 1;
                first = false;
            }
        }
        return shape;
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static InferTensor tensor(String name, Datatype type, long[] shape, SplittableRandom random, int stringLength) {
        int n = Math.toIntExact(elements(shape));
        if (type == Datatype.BYTES) {
            List<String> strings = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                StringBuilder s = new StringBuilder(stringLength);
                for (int c = 0; c < stringLength; c++) {
                    s.append((char) ('a' + random.nextInt(26)));
                }
                strings.add(s.toString());
            }
            return InferTensor.ofStrings(name, shape, strings);
        }
        ByteBuffer b = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case BOOL -> b.put((byte) random.nextInt(2));
                case UINT8, INT8 -> b.put((byte) random.nextInt(INT_BOUND));
                case UINT16, INT16 -> b.putShort((short) random.nextInt(INT_BOUND));
                case UINT32, INT32 -> b.putInt(random.nextInt(INT_BOUND));
                case UINT64, INT64 -> b.putLong(random.nextInt(INT_BOUND));
                case FP16 -> b.putShort(Float.floatToFloat16((float) random.nextDouble()));
                case BF16 -> b.putShort((short) (Float.floatToRawIntBits((float) random.nextDouble()) >>> 16));
                case FP32 -> b.putFloat((float) random.nextDouble());
                case FP64 -> b.putDouble(random.nextDouble());
                case BYTES -> throw new AssertionError("handled above");
            }
        }
        return InferTensor.ofRaw(name, type, shape, b.array());
    }
}
