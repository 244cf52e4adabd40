package io.statim.protocol.oip;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * One entry of a request's {@code inputs} while it is read: its fields arrive in any order, so this
 * collects them until the entry ends. Not thread-safe; lives for one decode.
 */
final class PendingInput {
    /** Position in {@code inputs}, for messages about an input that has no name (yet). */
    final int index;
    String name;
    DataType dataType;
    Shape shape;
    /** Elements of {@link #shape}, already checked against the element limit; -1 before the shape. */
    long elementCount = -1;
    /** {@code parameters.binary_data_size}, or -1 when the input carries JSON data. */
    long binaryDataSize = -1;
    boolean hasJsonData;
    /** Byte offset of a {@code data} array that came before the shape or datatype, else -1. */
    long deferredDataOffset = -1;
    /** The tensor bytes once known: decoded JSON in staging memory, or a slice of the body. */
    MemorySegment data;

    PendingInput(int index) {
        this.index = index;
    }

    boolean hasBinaryData() {
        return binaryDataSize >= 0;
    }

    boolean canReadData() {
        return dataType != null && shape != null;
    }

    /** {@code 'name'}, or {@code #index} before the name is known. Only for error messages. */
    String label() {
        return name != null ? "'" + name + "'" : "#" + index;
    }

    Tensor toTensor() {
        return new Tensor(name, dataType, shape, data);
    }
}
