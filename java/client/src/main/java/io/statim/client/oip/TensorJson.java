package io.statim.client.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.statim.client.Datatype;
import io.statim.client.InferTensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Tensor data as the OIP JSON {@code "data"} array, to and from the raw little-endian form of
 * {@link InferTensor}. Nested arrays are flattened on reading (row-major). BYTES elements are written
 * as UTF-8 strings: byte strings that are not UTF-8 need the binary encoding. Stateless.
 */
final class TensorJson {
    private TensorJson() {
    }

    /** Writes the data of {@code t} as a flat JSON array. */
    static void write(JsonGenerator g, InferTensor t) throws IOException {
        ByteBuffer b = t.view();
        g.writeStartArray();
        while (b.hasRemaining()) {
            writeElement(g, t.datatype(), b);
        }
        g.writeEndArray();
    }

    private static void writeElement(JsonGenerator g, Datatype type, ByteBuffer b) throws IOException {
        switch (type) {
            case BOOL -> g.writeBoolean(b.get() != 0);
            case UINT8 -> g.writeNumber(b.get() & 0xFF);
            case INT8 -> g.writeNumber(b.get());
            case UINT16 -> g.writeNumber(b.getShort() & 0xFFFF);
            case INT16 -> g.writeNumber(b.getShort());
            case UINT32 -> g.writeNumber(b.getInt() & 0xFFFF_FFFFL);
            case INT32 -> g.writeNumber(b.getInt());
            case UINT64 -> {
                long v = b.getLong();
                if (v >= 0) {
                    g.writeNumber(v);
                } else {
                    g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
                }
            }
            case INT64 -> g.writeNumber(b.getLong());
            case FP16 -> g.writeNumber(Float.float16ToFloat(b.getShort()));
            case BF16 -> g.writeNumber(Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16));
            case FP32 -> g.writeNumber(b.getFloat());
            case FP64 -> g.writeNumber(b.getDouble());
            case BYTES -> {
                byte[] utf8 = new byte[b.getInt()];
                b.get(utf8);
                g.writeUTF8String(utf8, 0, utf8.length);
            }
        }
    }

    /**
     * Reads a JSON array (the parser is on its START_ARRAY) of {@code elements} values of {@code type}
     * into raw little-endian bytes.
     */
    static byte[] read(JsonParser p, Datatype type, long elements) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException("tensor data must be a JSON array");
        }
        Sink sink = new Sink(type, elements);
        int depth = 0;
        for (JsonToken t = p.currentToken(); t != null; t = p.nextToken()) {
            if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                if (--depth == 0) {
                    return sink.bytes();
                }
            } else {
                sink.add(p, t);
            }
        }
        throw new IOException("tensor data ends early");
    }

    /** The growing raw form of the values read. */
    private static final class Sink {
        private final Datatype type;
        private ByteBuffer out;

        Sink(Datatype type, long elements) {
            this.type = type;
            long bytes = type == Datatype.BYTES ? elements * 16 : elements * type.byteSize();
            out = ByteBuffer.allocate((int) Math.min(bytes, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        }

        void add(JsonParser p, JsonToken t) throws IOException {
            byte[] utf8 = type == Datatype.BYTES ? p.getText().getBytes(StandardCharsets.UTF_8) : null;
            ensure(utf8 != null ? Integer.BYTES + utf8.length : type.byteSize());
            switch (type) {
                case BOOL -> out.put((byte) (t == JsonToken.VALUE_TRUE || (t.isNumeric() && p.getIntValue() != 0) ? 1 : 0));
                case UINT8, INT8 -> out.put((byte) p.getIntValue());
                case UINT16, INT16 -> out.putShort((short) p.getIntValue());
                case UINT32, INT32 -> out.putInt((int) p.getLongValue());
                case UINT64 -> out.putLong(p.getBigIntegerValue().longValue());
                case INT64 -> out.putLong(p.getLongValue());
                case FP16 -> out.putShort(Float.floatToFloat16(p.getFloatValue()));
                case BF16 -> out.putShort((short) (Float.floatToRawIntBits(p.getFloatValue()) >>> 16));
                case FP32 -> out.putFloat(p.getFloatValue());
                case FP64 -> out.putDouble(p.getDoubleValue());
                case BYTES -> out.putInt(utf8.length).put(utf8);
            }
        }

        private void ensure(int bytes) {
            if (out.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + bytes)).order(ByteOrder.LITTLE_ENDIAN);
                out.flip();
                bigger.put(out);
                out = bigger;
            }
        }

        byte[] bytes() {
            return out.position() == out.capacity() ? out.array() : java.util.Arrays.copyOf(out.array(), out.position());
        }
    }
}
