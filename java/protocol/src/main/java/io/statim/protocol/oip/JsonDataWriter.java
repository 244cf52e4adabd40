package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Writes a tensor's elements as a flat JSON array, reading each element as a primitive straight from
 * its segment (no boxing). FP16 and BF16 are written as the floats they stand for; floats are written
 * in their shortest form that reads back to the same value; unsigned types as unsigned numbers; BOOL as
 * {@code true}/{@code false}; BYTES as strings, decoded as UTF-8 with U+FFFD for malformed bytes (Triton
 * writes them as strings whatever they hold).
 *
 * <p>Not thread-safe: one per response, for the BYTES decoding scratch space.
 */
final class JsonDataWriter {
    private CharsetDecoder utf8;
    private CharBuffer chars;

    void write(JsonGenerator g, Tensor t) throws IOException {
        g.writeStartArray();
        if (t.dataType() == DataType.BYTES) {
            writeStrings(g, t);
        } else {
            MemorySegment seg = t.data();
            DataType type = t.dataType();
            long size = type.byteSize();
            for (long i = 0, n = t.elementCount(); i < n; i++) {
                writeElement(g, type, seg, i * size);
            }
        }
        g.writeEndArray();
    }

    private static void writeElement(JsonGenerator g, DataType type, MemorySegment seg, long at) throws IOException {
        switch (type) {
            case BOOL -> g.writeBoolean(seg.get(TensorLayout.I8, at) != 0);
            case UINT8 -> g.writeNumber(Byte.toUnsignedInt(seg.get(TensorLayout.I8, at)));
            case INT8 -> g.writeNumber(seg.get(TensorLayout.I8, at));
            case UINT16 -> g.writeNumber(Short.toUnsignedInt(seg.get(TensorLayout.I16, at)));
            case INT16 -> g.writeNumber(seg.get(TensorLayout.I16, at));
            case UINT32 -> g.writeNumber(Integer.toUnsignedLong(seg.get(TensorLayout.I32, at)));
            case INT32 -> g.writeNumber(seg.get(TensorLayout.I32, at));
            case UINT64 -> writeUnsigned(g, seg.get(TensorLayout.I64, at));
            case INT64 -> g.writeNumber(seg.get(TensorLayout.I64, at));
            case FP16 -> g.writeNumber(Float.float16ToFloat(seg.get(TensorLayout.I16, at)));
            case BF16 -> g.writeNumber(HalfFloats.fromBf16(seg.get(TensorLayout.I16, at)));
            case FP32 -> g.writeNumber(seg.get(TensorLayout.F32, at));
            case FP64 -> g.writeNumber(seg.get(TensorLayout.F64, at));
            case BYTES -> throw new IllegalArgumentException("BYTES elements have no fixed size");
        }
    }

    private static void writeUnsigned(JsonGenerator g, long v) throws IOException {
        if (v >= 0) {
            g.writeNumber(v);
        } else {
            g.writeNumber(Long.toUnsignedString(v)); // rare: >= 2^63
        }
    }

    private void writeStrings(JsonGenerator g, Tensor t) throws IOException {
        String problem = Tensor.checkBytesElements(t.data(), t.elementCount());
        if (problem != null) {
            throw new StatusException(Status.internal("output '" + t.name() + "' is malformed: " + problem));
        }
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            chars = CharBuffer.allocate(256);
        }
        ByteBuffer bytes = t.data().asByteBuffer();
        int offset = 0;
        for (long i = 0, n = t.elementCount(); i < n; i++) {
            int length = t.data().get(Tensor.LENGTH_PREFIX, offset);
            bytes.limit(offset + 4 + length).position(offset + 4);
            decode(bytes);
            g.writeString(chars.array(), 0, chars.position());
            offset += 4 + length;
        }
    }

    /** Decodes one element into {@link #chars}; at most one char per byte, so one resize suffices. */
    private void decode(ByteBuffer element) {
        if (chars.capacity() < element.remaining()) {
            chars = CharBuffer.allocate(Math.max(element.remaining(), chars.capacity() * 2));
        }
        chars.clear();
        utf8.reset();
        utf8.decode(element, chars, true);
        utf8.flush(chars);
    }
}
