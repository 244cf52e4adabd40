package io.statim.runtime.text;

import io.statim.runtime.text.TextPipelineConfig.Normalization;
import io.statim.runtime.text.TextPipelineConfig.Pooling;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns the token embeddings of a batch of windows into one embedding per text: pools each window
 * (mean over its tokens, or its first token), averages a chunked text's windows weighted by their token
 * counts, then normalizes. Sums in double precision.
 *
 * <p>Allocation-free: reuses two scratch vectors. Not thread-safe: one per model instance.
 */
final class EmbeddingPooler {
    /** Output tensors are little-endian, whatever the host. */
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Pooling pooling;
    private final Normalization normalization;
    private final int size;
    private final double[] text;
    private final double[] window;

    EmbeddingPooler(Pooling pooling, Normalization normalization, int embeddingSize) {
        this.pooling = pooling;
        this.normalization = normalization;
        this.size = embeddingSize;
        this.text = new double[embeddingSize];
        this.window = new double[embeddingSize];
    }

    /**
     * Writes one embedding per text into {@code out}, row after row as FP32 little-endian.
     *
     * @param tokenEmbeddings FP32 in native order, {@code [windows, windows.maxLength(), size]}
     * @param out             at least {@code windows.textCount() * size * 4} bytes
     */
    void pool(MemorySegment tokenEmbeddings, TokenWindows windows, MemorySegment out) {
        for (int t = 0; t < windows.textCount(); t++) {
            int first = windows.firstWindow(t);
            int end = windows.endWindow(t);
            Arrays.fill(text, 0);
            double totalWeight = 0;
            for (int w = first; w < end; w++) {
                poolWindow(tokenEmbeddings, windows, w);
                // A text of one window is that window's embedding, even when it holds no text tokens.
                double weight = end - first == 1 ? 1 : windows.window(w).weight();
                for (int j = 0; j < size; j++) {
                    text[j] += weight * window[j];
                }
                totalWeight += weight;
            }
            double scale = totalWeight > 0 ? 1 / totalWeight : 0;
            if (normalization == Normalization.L2) {
                // The weighted average's 1/totalWeight cancels out in the unit vector.
                double squares = 0;
                for (int j = 0; j < size; j++) {
                    squares += text[j] * text[j];
                }
                scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
            }
            long rowOffset = (long) t * size * Float.BYTES;
            for (int j = 0; j < size; j++) {
                out.set(FLOAT_LE, rowOffset + (long) j * Float.BYTES, (float) (text[j] * scale));
            }
        }
    }

    /** Pools window {@code w} into {@link #window}. */
    private void poolWindow(MemorySegment tokenEmbeddings, TokenWindows windows, int w) {
        Arrays.fill(window, 0);
        int tokens = pooling == Pooling.CLS ? Math.min(1, windows.window(w).length()) : windows.window(w).length();
        long base = (long) w * windows.maxLength() * size;
        for (int i = 0; i < tokens; i++) {
            long offset = (base + (long) i * size) * Float.BYTES;
            for (int j = 0; j < size; j++) {
                window[j] += tokenEmbeddings.get(ValueLayout.JAVA_FLOAT, offset + (long) j * Float.BYTES);
            }
        }
        if (tokens > 1) {
            for (int j = 0; j < size; j++) {
                window[j] /= tokens;
            }
        }
    }
}
