package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StabilityTest {
    private final Stability criterion = new Stability(3, 0.10);

    private record S(double throughputPerSecond, double p50Micros) implements Stability.Sample {
    }

    @Test
    void isStableWhenTheLastThreeWindowsAgreeWithinTenPercent() {
        assertThat(criterion.isStable(List.of(new S(500, 900), new S(1000, 200), new S(1050, 205), new S(980, 195)))).isTrue();
    }

    @Test
    void isNotStableBeforeThreeWindows() {
        assertThat(criterion.isStable(List.of(new S(1000, 200), new S(1000, 200)))).isFalse();
    }

    @Test
    void isNotStableWhenThroughputStillClimbs() {
        assertThat(criterion.isStable(List.of(new S(800, 200), new S(1000, 200), new S(1200, 200)))).isFalse();
    }

    @Test
    void isNotStableWhenTheMedianLatencyMoves() {
        assertThat(criterion.isStable(List.of(new S(1000, 200), new S(1000, 200), new S(1000, 260)))).isFalse();
    }

    @Test
    void isNeverStableWithoutThroughput() {
        assertThat(criterion.isStable(List.of(new S(0, 0), new S(0, 0), new S(0, 0)))).isFalse();
    }
}
