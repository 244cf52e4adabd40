package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
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
        MemorySegment seg = t.data();
        long n = t.elementCount();
        g.writeStartArray();
        switch (t.dataType()) {
            case BOOL -> {
                for (long i = 0; i < n; i++) {
                    g.writeBoolean(seg.get(TensorLayout.I8, i) != 0);
                }
            }
            case UINT8 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(Byte.toUnsignedInt(seg.get(TensorLayout.I8, i)));
                }
            }
            case INT8 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.I8, i));
                }
            }
            case UINT16 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(Short.toUnsignedInt(seg.get(TensorLayout.I16, 2 * i)));
                }
            }
            case INT16 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.I16, 2 * i));
                }
            }
            case UINT32 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(Integer.toUnsignedLong(seg.get(TensorLayout.I32, 4 * i)));
                }
            }
            case INT32 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.I32, 4 * i));
                }
            }
            case UINT64 -> {
                for (long i = 0; i < n; i++) {
                    writeUnsigned(g, seg.get(TensorLayout.I64, 8 * i));
                }
            }
            case INT64 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.I64, 8 * i));
                }
            }
            case FP16 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(Float.float16ToFloat(seg.get(TensorLayout.I16, 2 * i)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(HalfFloats.fromBf16(seg.get(TensorLayout.I16, 2 * i)));
                }
            }
            case FP32 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.F32, 4 * i));
                }
            }
            case FP64 -> {
                for (long i = 0; i < n; i++) {
                    g.writeNumber(seg.get(TensorLayout.F64, 8 * i));
                }
            }
            case BYTES -> writeStrings(g, t);
        }
        g.writeEndArray();
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
