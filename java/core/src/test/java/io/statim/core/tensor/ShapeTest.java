package io.statim.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShapeTest {
    @Test
    void countsElementsAndRejectsOverflow() {
        assertThat(Shape.of(2, 3, 4).elementCount()).isEqualTo(24);
        assertThat(Shape.of().elementCount()).isEqualTo(1);
        assertThat(Shape.of(Long.MAX_VALUE, 2).elementCount()).isEqualTo(-1);
        assertThat(Shape.of(-1, 16).elementCount()).isEqualTo(-1);
    }

    @Test
    void matchesWildcardsOfAPattern() {
        assertThat(Shape.of(4, 16).matches(Shape.of(-1, 16))).isTrue();
        assertThat(Shape.of(4, 15).matches(Shape.of(-1, 16))).isFalse();
        assertThat(Shape.of(4).matches(Shape.of(-1, 16))).isFalse();
    }

    @Test
    void addsAndRemovesTheBatchDimension() {
        assertThat(Shape.of(16).withBatch(8)).isEqualTo(Shape.of(8, 16));
        assertThat(Shape.of(8, 16).withoutBatch()).isEqualTo(Shape.of(16));
        assertThat(Shape.of(8, 16)).hasToString("[8,16]");
    }

    @Test
    void rejectsNegativeDimensionsOtherThanTheWildcard() {
        assertThatThrownBy(() -> Shape.of(-2)).isInstanceOf(IllegalArgumentException.class);
    }
}
