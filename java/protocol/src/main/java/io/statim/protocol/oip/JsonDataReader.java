package io.statim.protocol.oip;

import static io.statim.protocol.oip.Json.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;

/**
 * Reads an input's JSON {@code data} array, flat or nested (row-major, as Triton flattens it), and
 * writes each element as a little-endian primitive straight into staging memory: no boxing and no
 * intermediate array. BOOL takes {@code true}/{@code false}; integer types take JSON integers within
 * the type's range; float types take any JSON number (and {@code "NaN"}, {@code "Infinity"},
 * {@code "-Infinity"}); BYTES takes strings, stored as UTF-8 with a 4-byte length prefix.
 *
 * <p>Stateless; the parser belongs to the calling thread.
 */
final class JsonDataReader {
    private JsonDataReader() {
    }

    /**
     * Reads the array at the parser's current token into {@code out}.
     *
     * @return the bytes written
     * @throws StatusException INVALID_ARGUMENT when the data does not fit the input's datatype or shape
     */
    static long read(JsonParser p, PendingInput in, StagingBuffer out) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw invalid("'data' of input " + in.label() + " must be a JSON array");
        }
        long expected = in.elementCount;
        long count = 0;
        long position = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else if (t == JsonToken.START_OBJECT) {
                throw wrongType(in, count);
            } else {
                // Past the expected count, only count on, so the message can say how many there were.
                if (count < expected) {
                    position = write(p, t, in, count, out, position);
                }
                count++;
            }
        }
        if (count != expected) {
            throw invalid("input " + in.label() + " has " + count + " data elements but its shape " + in.shape + " has "
                    + expected);
        }
        return position;
    }

    private static long write(JsonParser p, JsonToken t, PendingInput in, long index, StagingBuffer out, long position)
            throws IOException {
        MemorySegment seg = out.segment();
        switch (in.dataType) {
            case BOOL -> seg.set(TensorLayout.I8, position, (byte) (bool(t, in, index) ? 1 : 0));
            case UINT8, INT8 -> seg.set(TensorLayout.I8, position, (byte) integer(p, t, in, index));
            case UINT16, INT16 -> seg.set(TensorLayout.I16, position, (short) integer(p, t, in, index));
            case UINT32, INT32 -> seg.set(TensorLayout.I32, position, (int) integer(p, t, in, index));
            case UINT64, INT64 -> seg.set(TensorLayout.I64, position, integer(p, t, in, index));
            case FP16 -> seg.set(TensorLayout.I16, position, Float.floatToFloat16(float32(p, t, in, index)));
            case BF16 -> seg.set(TensorLayout.I16, position, HalfFloats.toBf16(float32(p, t, in, index)));
            case FP32 -> seg.set(TensorLayout.F32, position, float32(p, t, in, index));
            case FP64 -> seg.set(TensorLayout.F64, position, float64(p, t, in, index));
            case BYTES -> {
                return appendString(p, t, in, index, out, position);
            }
        }
        return position + in.dataType.byteSize();
    }

    private static boolean bool(JsonToken t, PendingInput in, long index) {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw wrongType(in, index);
    }

    /** A JSON integer within the range of the input's integer type, as its two's-complement bits. */
    private static long integer(JsonParser p, JsonToken t, PendingInput in, long index) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(in, index);
        }
        DataType type = in.dataType;
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            // Beyond long; only UINT64 reaches up there (to 2^64 - 1).
            BigInteger big = p.getBigIntegerValue();
            if (type == DataType.UINT64 && big.signum() > 0 && big.bitLength() <= 64) {
                return big.longValue();
            }
            throw outOfRange(in, index);
        }
        long v = p.getLongValue();
        boolean inRange = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case UINT64 -> v >= 0;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
        if (!inRange) {
            throw outOfRange(in, index);
        }
        return v;
    }

    private static float float32(JsonParser p, JsonToken t, PendingInput in, long index) throws IOException {
        return t.isNumeric() ? p.getFloatValue() : (float) nonFinite(p, t, in, index);
    }

    private static double float64(JsonParser p, JsonToken t, PendingInput in, long index) throws IOException {
        return t.isNumeric() ? p.getDoubleValue() : nonFinite(p, t, in, index);
    }

    /** The strings that a JSON writer (Jackson's included) uses for non-finite floats. */
    private static double nonFinite(JsonParser p, JsonToken t, PendingInput in, long index) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            switch (p.getText()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                }
            }
        }
        throw wrongType(in, index);
    }

    /** A JSON string as a BYTES element: 4-byte little-endian length, then its UTF-8 bytes. */
    private static long appendString(JsonParser p, JsonToken t, PendingInput in, long index, StagingBuffer out,
            long position) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(in, index);
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        int length = p.getTextLength();
        long bytes = Utf8.encodedLength(chars, offset, length);
        MemorySegment seg = out.ensure(position, position + 4 + bytes);
        seg.set(TensorLayout.I32, position, (int) bytes);
        return Utf8.encode(chars, offset, length, seg, position + 4);
    }

    private static StatusException wrongType(PendingInput in, long index) {
        String expected = switch (in.dataType) {
            case BOOL -> "true or false";
            case BYTES -> "a string";
            case FP16, BF16, FP32, FP64 -> "a number";
            default -> "an integer";
        };
        return invalid("data element " + index + " of input " + in.label() + " must be " + expected + " for datatype "
                + in.dataType.wireName());
    }

    private static StatusException outOfRange(PendingInput in, long index) {
        return invalid("data element " + index + " of input " + in.label() + " is out of range for datatype "
                + in.dataType.wireName());
    }
}
