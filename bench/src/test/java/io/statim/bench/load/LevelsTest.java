package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LevelsTest {

    @Test
    void expandsARangeWithItsStep() {
        assertThat(Levels.parse("1:32:8")).containsExactly(1.0, 9.0, 17.0, 25.0);
    }

    @Test
    void expandsARangeWithStepOneByDefault() {
        assertThat(Levels.parse("2:4")).containsExactly(2.0, 3.0, 4.0);
    }

    @Test
    void readsAList() {
        assertThat(Levels.parse("1,8,32")).containsExactly(1.0, 8.0, 32.0);
    }

    @Test
    void rejectsALevelOfZero() {
        assertThatThrownBy(() -> Levels.parse("0,8")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be > 0");
    }

    @Test
    void rejectsText() {
        assertThatThrownBy(() -> Levels.parse("a:b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a:b'");
    }
}
