package io.statim.protocol.grpc;

import com.google.protobuf.ByteString;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.grpc.api.InferTensorContents;
import io.statim.protocol.oip.TensorLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Writes an input sent as typed values ({@code InferTensorContents}) into the tensor layout:
 * little-endian, row-major, BYTES elements length-prefixed. This is the one copy the typed form forces;
 * inputs sent as {@code raw_input_contents} are not copied at all.
 *
 * <p>Memory: a heap array, like the raw inputs (views of the parsed message), not a pooled device
 * buffer. A gRPC request can be cancelled while its batch runs, and then its listener is called before
 * the backend is done reading the inputs; garbage-collected inputs cannot be released under it. The
 * backend copies heap inputs into its own staging memory, so nothing else changes. Static and
 * thread-safe.
 */
final class TypedContents {
    /** A {@code byte[]} holds at most this many bytes. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private TypedContents() {
    }

    /**
     * The bytes of one input.
     *
     * @throws StatusException INVALID_ARGUMENT when the number of values does not match the shape or the
     *     datatype has no typed form (FP16, BF16); RESOURCE_EXHAUSTED when the tensor would pass 2 GiB
     */
    static MemorySegment write(String input, DataType type, Shape shape, InferTensorContents contents) {
        long elements = shape.elementCount();
        int count = valueCount(type, contents);
        if (count == -1) {
            throw invalid("input '" + input + "' is " + type.wireName() + ", which has no typed contents; send it in "
                    + "raw_input_contents");
        }
        if (count != elements) {
            throw invalid("input '" + input + "' has shape " + shape + " (" + elements + " elements) but " + count
                    + " values in contents." + field(type));
        }
        long bytes = type.isVariableLength() ? serializedSize(contents.getBytesContentsList()) : elements * type.byteSize();
        if (bytes > MAX_BYTES) {
            throw new StatusException(Code.RESOURCE_EXHAUSTED, "input '" + input + "' needs " + bytes + " bytes; one tensor holds at most "
                    + MAX_BYTES);
        }
        MemorySegment out = MemorySegment.ofArray(new byte[(int) bytes]);
        switch (type) {
            case BOOL -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I8, i, (byte) (contents.getBoolContents(i) ? 1 : 0));
                }
            }
            case INT8 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I8, i, (byte) contents.getIntContents(i));
                }
            }
            case INT16 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I16, 2L * i, (short) contents.getIntContents(i));
                }
            }
            case INT32 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I32, 4L * i, contents.getIntContents(i));
                }
            }
            case UINT8 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I8, i, (byte) contents.getUintContents(i));
                }
            }
            case UINT16 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I16, 2L * i, (short) contents.getUintContents(i));
                }
            }
            case UINT32 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I32, 4L * i, contents.getUintContents(i));
                }
            }
            case INT64 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I64, 8L * i, contents.getInt64Contents(i));
                }
            }
            case UINT64 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.I64, 8L * i, contents.getUint64Contents(i));
                }
            }
            case FP32 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.F32, 4L * i, contents.getFp32Contents(i));
                }
            }
            case FP64 -> {
                for (int i = 0; i < count; i++) {
                    out.set(TensorLayout.F64, 8L * i, contents.getFp64Contents(i));
                }
            }
            case BYTES -> writeBytes(contents.getBytesContentsList(), out);
            case FP16, BF16 -> throw new IllegalStateException("no typed contents for " + type);
        }
        return out;
    }

    /** The number of values in the field that carries {@code type}, or -1 when no field does. */
    private static int valueCount(DataType type, InferTensorContents c) {
        return switch (type) {
            case BOOL -> c.getBoolContentsCount();
            case INT8, INT16, INT32 -> c.getIntContentsCount();
            case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
            case INT64 -> c.getInt64ContentsCount();
            case UINT64 -> c.getUint64ContentsCount();
            case FP32 -> c.getFp32ContentsCount();
            case FP64 -> c.getFp64ContentsCount();
            case BYTES -> c.getBytesContentsCount();
            case FP16, BF16 -> -1;
        };
    }

    /** The name of the field that carries {@code type}, for messages. */
    private static String field(DataType type) {
        return switch (type) {
            case BOOL -> "bool_contents";
            case INT8, INT16, INT32 -> "int_contents";
            case UINT8, UINT16, UINT32 -> "uint_contents";
            case INT64 -> "int64_contents";
            case UINT64 -> "uint64_contents";
            case FP32 -> "fp32_contents";
            case FP64 -> "fp64_contents";
            case BYTES -> "bytes_contents";
            case FP16, BF16 -> "(none)";
        };
    }

    private static long serializedSize(List<ByteString> elements) {
        long n = 0;
        for (ByteString e : elements) {
            n += 4 + e.size();
        }
        return n;
    }

    private static void writeBytes(List<ByteString> elements, MemorySegment out) {
        long offset = 0;
        for (ByteString e : elements) {
            out.set(Tensor.LENGTH_PREFIX, offset, e.size());
            MemorySegment.copy(MemorySegment.ofBuffer(e.asReadOnlyByteBuffer()), ValueLayout.JAVA_BYTE, 0, out,
                    ValueLayout.JAVA_BYTE, offset + 4, e.size());
            offset += 4 + e.size();
        }
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
