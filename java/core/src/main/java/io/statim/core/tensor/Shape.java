package io.statim.core.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape. A dimension of {@code -1} is a wildcard, allowed only in model
 * configuration; a concrete tensor's shape has no wildcard.
 */
public final class Shape {
    /** The wildcard dimension of Triton's configuration. */
    public static final long ANY = -1;

    private static final Shape SCALAR = new Shape(new long[0]);

    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /** A shape of the given dimensions (copied). Each must be {@code >= 0} or {@link #ANY}. */
    public static Shape of(long... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        for (long d : dims) {
            if (d < ANY) {
                throw new IllegalArgumentException("dimension " + d + " in " + Arrays.toString(dims) + " must be >= -1");
            }
        }
        return new Shape(dims.clone());
    }

    /** This shape with {@code batch} prepended as the first dimension. */
    public Shape withBatch(long batch) {
        long[] out = new long[dims.length + 1];
        out[0] = batch;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return new Shape(out);
    }

    /** This shape without its first dimension. */
    public Shape withoutBatch() {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar has no batch dimension");
        }
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** A copy of the dimensions. */
    public long[] toArray() {
        return dims.clone();
    }

    /** True when no dimension is a wildcard. */
    public boolean isConcrete() {
        for (long d : dims) {
            if (d == ANY) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number of elements, or -1 when the count does not fit in a long or the shape has a wildcard.
     */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d == ANY) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException overflow) {
                return -1;
            }
        }
        return n;
    }

    /** True when this concrete shape fits the pattern, whose wildcards match any size. */
    public boolean matches(Shape pattern) {
        if (pattern.dims.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (pattern.dims[i] != ANY && pattern.dims[i] != dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [1,16]}, the form used in error messages and JSON. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(dims[i]);
        }
        return sb.append(']').toString();
    }
}
