package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.statim.runtime.text.TextPipelineConfig.Normalization;
import io.statim.runtime.text.TextPipelineConfig.Pooling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Pooling on hand-made token embeddings of size 2, padded to windows of 3 tokens. */
class EmbeddingPoolerTest {
    private static final int SIZE = 2;
    private static final int PAD = 3;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Text 0: one window of 2 tokens. Text 1: two windows of 3 and 1 tokens (weights 3 and 1). */
    private static TokenWindows windows() {
        TokenWindows windows = new TokenWindows();
        windows.startText();
        windows.add(window(2, 2));
        windows.startText();
        windows.add(window(3, 3));
        windows.add(window(1, 1));
        return windows;
    }

    private static TokenWindows.Window window(int length, int weight) {
        return new TokenWindows.Window(new long[length], new long[length], weight);
    }

    /** Token embeddings [3 windows, 3 tokens, 2]; padding tokens hold 100 to show they are skipped. */
    private static MemorySegment tokens(Arena arena) {
        float[] values = {
            1, 0, 3, 0, 100, 100,
            4, 0, 2, 0, 0, 0,
            0, 4, 100, 100, 100, 100,
        };
        return arena.allocateFrom(ValueLayout.JAVA_FLOAT, values);
    }

    private static float[][] pool(Pooling pooling, Normalization normalization) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(2L * SIZE * Float.BYTES);
            new EmbeddingPooler(pooling, normalization, SIZE).pool(tokens(arena), windows(), out);
            float[][] rows = new float[2][SIZE];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < SIZE; j++) {
                    rows[i][j] = out.get(FLOAT_LE, ((long) i * SIZE + j) * Float.BYTES);
                }
            }
            return rows;
        }
    }

    @Test
    void meanPoolsTheTokensOfAWindowAndSkipsPadding() {
        assertThat(pool(Pooling.MEAN, Normalization.NONE)[0]).containsExactly(2, 0);
    }

    @Test
    void averagesTheWindowsOfAChunkedTextWeightedByTheirTokenCounts() {
        // Windows pool to (2,0) and (0,4); (3 * (2,0) + 1 * (0,4)) / 4 = (1.5, 1).
        assertThat(pool(Pooling.MEAN, Normalization.NONE)[1]).containsExactly(1.5f, 1f);
    }

    @Test
    void clsPoolingTakesTheFirstTokenOfEachWindow() {
        // (3 * (4,0) + 1 * (0,4)) / 4 = (3, 1).
        assertThat(pool(Pooling.CLS, Normalization.NONE)).isDeepEqualTo(new float[][] {{1, 0}, {3, 1}});
    }

    @Test
    void l2NormalizationGivesUnitVectors() {
        float[][] rows = pool(Pooling.MEAN, Normalization.L2);

        assertThat(rows[0]).containsExactly(1, 0);
        assertThat(rows[1][0]).isCloseTo(1.5f / (float) Math.sqrt(3.25), within(1e-6f));
        assertThat(rows[1][1]).isCloseTo(1f / (float) Math.sqrt(3.25), within(1e-6f));
    }

    @Test
    void leavesAZeroEmbeddingZeroWhenNormalizing() {
        TokenWindows windows = new TokenWindows();
        windows.startText();
        windows.add(window(1, 1));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(SIZE * Float.BYTES);
            new EmbeddingPooler(Pooling.MEAN, Normalization.L2, SIZE).pool(arena.allocate(SIZE * Float.BYTES), windows, out);

            assertThat(out.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(0, 0);
        }
    }
}
