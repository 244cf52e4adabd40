package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InferTensorTest {

    @Test
    void keepsIntsLittleEndian() {
        InferTensor t = InferTensor.ofInts("x", new long[] {2}, 1, -2);

        assertThat(t.rawBytes()).containsExactly(1, 0, 0, 0, -2, -1, -1, -1);
        assertThat(t.asInts()).containsExactly(1, -2);
    }

    @Test
    void writesByteStringsWithLengthPrefixes() {
        InferTensor t = InferTensor.ofStrings("text", new long[] {2, 1}, List.of("ab", "é"));

        assertThat(t.rawBytes()).containsExactly(2, 0, 0, 0, 'a', 'b', 2, 0, 0, 0, 0xC3 - 256, 0xA9 - 256);
        assertThat(t.asStrings()).containsExactly("ab", "é");
        assertThat(t.elementCount()).isEqualTo(2);
    }

    @Test
    void rejectsDataThatDoesNotFillTheShape() {
        assertThatThrownBy(() -> InferTensor.ofFloats("x", new long[] {1, 4}, 1f, 2f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'").hasMessageContaining("4 elements");
    }

    @Test
    void refusesToReadAsAnotherDatatype() {
        assertThatThrownBy(() -> InferTensor.ofLongs("x", new long[] {1}, 5L).asInts()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void neverPrintsItsValues() {
        assertThat(InferTensor.ofStrings("text", new long[] {1}, List.of("secret finding")).toString()).doesNotContain("secret");
    }
}
