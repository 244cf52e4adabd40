package io.statim.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A named tensor: an input of an {@link InferRequest} or an output of an {@link InferResult}. The data
 * is held as the protocol's raw form, little-endian and row-major, with {@link Datatype#BYTES} elements
 * each written as a 4-byte little-endian length followed by the bytes — the form the binary extension
 * and gRPC's raw contents carry, so that sending and receiving copy it once at most.
 *
 * <p>Immutable and thread-safe. The factories copy the caller's arrays; {@link #rawBytes()} returns a copy.
 */
public final class InferTensor {
    private static final int LENGTH_PREFIX_BYTES = Integer.BYTES;

    private final String name;
    private final Datatype datatype;
    private final long[] shape;
    private final byte[] data;

    private InferTensor(String name, Datatype datatype, long[] shape, byte[] data) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tensor needs a name");
        }
        this.name = name;
        this.datatype = datatype;
        this.shape = shape.clone();
        this.data = data;
        long elements = elementCount(this.shape);
        long found = datatype == Datatype.BYTES ? countByteStrings(data) : data.length / datatype.byteSize();
        if (found != elements || (datatype != Datatype.BYTES && data.length % datatype.byteSize() != 0)) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " has "
                    + elements + " elements but its data holds " + found + " " + datatype + " elements");
        }
    }

    /**
     * A tensor over raw little-endian data (BYTES elements length-prefixed). The array is taken over,
     * not copied: the caller must not change it afterwards.
     */
    public static InferTensor ofRaw(String name, Datatype datatype, long[] shape, byte[] rawLittleEndian) {
        return new InferTensor(name, datatype, shape, rawLittleEndian);
    }

    /** An INT32 tensor. */
    public static InferTensor ofInts(String name, long[] shape, int... values) {
        ByteBuffer b = buffer(values.length, Integer.BYTES);
        b.asIntBuffer().put(values);
        return new InferTensor(name, Datatype.INT32, shape, b.array());
    }

    /** An INT64 tensor. */
    public static InferTensor ofLongs(String name, long[] shape, long... values) {
        ByteBuffer b = buffer(values.length, Long.BYTES);
        b.asLongBuffer().put(values);
        return new InferTensor(name, Datatype.INT64, shape, b.array());
    }

    /** An FP32 tensor. */
    public static InferTensor ofFloats(String name, long[] shape, float... values) {
        ByteBuffer b = buffer(values.length, Float.BYTES);
        b.asFloatBuffer().put(values);
        return new InferTensor(name, Datatype.FP32, shape, b.array());
    }

    /** An FP64 tensor. */
    public static InferTensor ofDoubles(String name, long[] shape, double... values) {
        ByteBuffer b = buffer(values.length, Double.BYTES);
        b.asDoubleBuffer().put(values);
        return new InferTensor(name, Datatype.FP64, shape, b.array());
    }

    /** A BOOL tensor, one byte per element. */
    public static InferTensor ofBooleans(String name, long[] shape, boolean... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) (values[i] ? 1 : 0);
        }
        return new InferTensor(name, Datatype.BOOL, shape, out);
    }

    /** A UINT8 (or, with {@code datatype}, INT8) tensor of the given bytes. */
    public static InferTensor ofBytes(String name, Datatype datatype, long[] shape, byte... values) {
        if (datatype.byteSize() != 1) {
            throw new IllegalArgumentException(datatype + " is not a one-byte datatype");
        }
        return new InferTensor(name, datatype, shape, values.clone());
    }

    /** A BYTES tensor of UTF-8 strings (texts for a text model). */
    public static InferTensor ofStrings(String name, long[] shape, List<String> values) {
        List<byte[]> utf8 = new ArrayList<>(values.size());
        for (String v : values) {
            utf8.add(v.getBytes(StandardCharsets.UTF_8));
        }
        return ofByteStrings(name, shape, utf8);
    }

    /** A BYTES tensor of byte strings. */
    public static InferTensor ofByteStrings(String name, long[] shape, List<byte[]> values) {
        int total = 0;
        for (byte[] v : values) {
            total = Math.addExact(total, LENGTH_PREFIX_BYTES + v.length);
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] v : values) {
            b.putInt(v.length).put(v);
        }
        return new InferTensor(name, Datatype.BYTES, shape, b.array());
    }

    public String name() {
        return name;
    }

    public Datatype datatype() {
        return datatype;
    }

    /** The shape; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** Elements: the product of the shape. */
    public long elementCount() {
        return elementCount(shape);
    }

    /** The raw little-endian data (BYTES elements length-prefixed); a copy. */
    public byte[] rawBytes() {
        return data.clone();
    }

    /** Bytes of the raw data. */
    public int byteSize() {
        return data.length;
    }

    /** The data as INT32 values. */
    public int[] asInts() {
        expect(Datatype.INT32);
        int[] out = new int[data.length / Integer.BYTES];
        view().asIntBuffer().get(out);
        return out;
    }

    /** The data as INT64 values. */
    public long[] asLongs() {
        expect(Datatype.INT64);
        long[] out = new long[data.length / Long.BYTES];
        view().asLongBuffer().get(out);
        return out;
    }

    /** The data as FP32 values. */
    public float[] asFloats() {
        expect(Datatype.FP32);
        float[] out = new float[data.length / Float.BYTES];
        view().asFloatBuffer().get(out);
        return out;
    }

    /** The data as FP64 values. */
    public double[] asDoubles() {
        expect(Datatype.FP64);
        double[] out = new double[data.length / Double.BYTES];
        view().asDoubleBuffer().get(out);
        return out;
    }

    /** The data as BOOL values. */
    public boolean[] asBooleans() {
        expect(Datatype.BOOL);
        boolean[] out = new boolean[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i] != 0;
        }
        return out;
    }

    /** The elements of a BYTES tensor. */
    public List<byte[]> asByteStrings() {
        expect(Datatype.BYTES);
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = view();
        while (b.hasRemaining()) {
            byte[] element = new byte[b.getInt()];
            b.get(element);
            out.add(element);
        }
        return out;
    }

    /** The elements of a BYTES tensor decoded as UTF-8. */
    public List<String> asStrings() {
        List<byte[]> elements = asByteStrings();
        List<String> out = new ArrayList<>(elements.size());
        for (byte[] e : elements) {
            out.add(new String(e, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Writes the raw data to {@code out}, without an intermediate copy. */
    public void writeRawTo(java.io.OutputStream out) throws java.io.IOException {
        out.write(data);
    }

    /** A read-only little-endian view of the raw data, for codecs; no copy. */
    public ByteBuffer view() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        // Never the values: tensors may hold protected health information.
        return "InferTensor[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }

    private void expect(Datatype wanted) {
        if (datatype != wanted) {
            throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not " + wanted);
        }
    }

    private static ByteBuffer buffer(int elements, int elementBytes) {
        return ByteBuffer.allocate(Math.multiplyExact(elements, elementBytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape dimension " + d + " must be >= 0");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long countByteStrings(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long count = 0;
        while (b.remaining() >= LENGTH_PREFIX_BYTES) {
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                return -1;
            }
            b.position(b.position() + length);
            count++;
        }
        return b.hasRemaining() ? -1 : count;
    }
}
