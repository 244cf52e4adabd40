package io.statim.model.lora;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, dtype, shape and its bytes, little-endian and row-major,
 * as a view of the mapped file (no copy). The view is valid while the {@link SafeTensors} that made it
 * is open; it is read-only. Reading is safe from any thread while the file stays open.
 *
 * @param name  the tensor's name in the header
 * @param dtype its element type
 * @param shape its dimensions (empty for a scalar); {@link #shape()} returns a copy
 * @param data  {@code elementCount() * dtype.byteSize()} bytes, not necessarily aligned
 */
public record SafeTensor(String name, SafeTensorsDType dtype, long[] shape, MemorySegment data) {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SafeTensor {
        shape = shape.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** The product of the dimensions (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Element {@code index} (row-major) as FP32: F16 and BF16 widen exactly, F64 rounds.
     *
     * @throws IllegalStateException when the dtype is not a floating-point type
     */
    public float getFloat(long index) {
        return switch (dtype) {
            case F32 -> data.get(F32_LE, index * 4);
            case F16 -> Float.float16ToFloat(data.get(I16_LE, index * 2));
            case BF16 -> Float.intBitsToFloat(data.get(I16_LE, index * 2) << 16);
            case F64 -> (float) data.get(F64_LE, index * 8);
            default -> throw notFloat();
        };
    }

    /** All elements as FP32, row-major (see {@link #getFloat}); for tests and small tensors. */
    public float[] toFloatArray() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' of " + count + " elements does not fit an array");
        }
        float[] values = new float[(int) count];
        if (dtype == SafeTensorsDType.F32) {
            MemorySegment.copy(data, F32_LE, 0, values, 0, values.length);
            return values;
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = getFloat(i);
        }
        return values;
    }

    /**
     * Writes all elements as little-endian FP32, row-major, into {@code dst} from byte
     * {@code dstOffset}: {@code 4 * elementCount()} bytes.
     *
     * @throws IllegalStateException     when the dtype is not a floating-point type
     * @throws IndexOutOfBoundsException when {@code dst} is too small
     */
    public void copyAsFp32(MemorySegment dst, long dstOffset) {
        long count = elementCount();
        if (dtype == SafeTensorsDType.F32) {
            MemorySegment.copy(data, 0, dst, dstOffset, count * 4);
            return;
        }
        if (!dtype.isFloat()) {
            throw notFloat();
        }
        for (long i = 0; i < count; i++) {
            dst.set(F32_LE, dstOffset + i * 4, getFloat(i));
        }
    }

    private IllegalStateException notFloat() {
        return new IllegalStateException("tensor '" + name + "' is " + dtype + ", not a floating-point type");
    }

    @Override
    public String toString() {
        return "SafeTensor[" + name + " " + dtype + " " + Arrays.toString(shape) + "]";
    }
}
