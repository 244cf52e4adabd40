package io.statim.scheduler.batch;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Tensor;
import io.statim.runtime.InferenceRequest;
import java.lang.foreign.MemorySegment;

/**
 * Length buckets for text requests: a text model pads every text of a batch to the batch's longest,
 * so a batch mixing one paragraph with short spans does the paragraph's work for each span. Texts are
 * grouped by the byte length of their longest element in powers of two from 32 bytes (so lengths in
 * one bucket differ by at most 2x, and padding at most doubles the work), which needs no tokenizer.
 * Measured on the shared clinical texts, batches of 8: see bench/results. Stateless.
 */
public final class LengthBuckets {
    private static final int SMALLEST_BYTES_SHIFT = 5;

    private LengthBuckets() {
    }

    /** The bucket of a request whose first input is BYTES; 0 for any other request. */
    public static int of(InferenceRequest request) {
        if (request.inputs().isEmpty()) {
            return 0;
        }
        Tensor text = request.inputs().get(0);
        if (text.dataType() != DataType.BYTES) {
            return 0;
        }
        long longest = longestElement(text.data(), text.elementCount());
        return Math.max(0, 64 - Long.numberOfLeadingZeros(longest >>> SMALLEST_BYTES_SHIFT));
    }

    /** The byte length of the longest serialized BYTES element (validated before it got here). */
    private static long longestElement(MemorySegment data, long count) {
        long offset = 0;
        long longest = 0;
        for (long i = 0; i < count && offset + 4 <= data.byteSize(); i++) {
            long length = Integer.toUnsignedLong(data.get(Tensor.LENGTH_PREFIX, offset));
            longest = Math.max(longest, length);
            offset += 4 + length;
        }
        return longest;
    }
}
