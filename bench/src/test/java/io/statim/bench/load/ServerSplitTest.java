package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.statim.client.ModelStatistics;
import io.statim.client.ModelStatistics.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSplitTest {

    private static ModelStatistics stats(long inferences, long executions, long requests, long queueNs, long inferNs) {
        return new ModelStatistics("m", "1", 0, inferences, executions, new Duration(requests, 0), Duration.ZERO,
                new Duration(requests, queueNs), new Duration(requests, requests * 1_000), new Duration(requests, inferNs),
                new Duration(requests, 0), List.of());
    }

    @Test
    void averagesTheDeltaOfTheWindowOnly() {
        ServerSplit split = ServerSplit.between(List.of(stats(100, 100, 100, 5_000_000, 9_000_000)),
                List.of(stats(300, 150, 200, 5_000_000 + 100 * 40_000L, 9_000_000 + 100 * 250_000L)));

        assertThat(split.requests()).isEqualTo(100);
        assertThat(split.queueMicros()).isCloseTo(40, within(1e-9));
        assertThat(split.computeInferMicros()).isCloseTo(250, within(1e-9));
        assertThat(split.computeInputMicros()).isCloseTo(1, within(1e-9));
        assertThat(split.batchSize()).isCloseTo(4, within(1e-9));
    }

    @Test
    void sumsTheModelsVersions() {
        ServerSplit split = ServerSplit.between(List.of(stats(0, 0, 0, 0, 0), stats(0, 0, 0, 0, 0)),
                List.of(stats(10, 10, 10, 10_000, 0), stats(30, 10, 30, 90_000, 0)));

        assertThat(split.requests()).isEqualTo(40);
        assertThat(split.queueMicros()).isCloseTo(2.5, within(1e-9));
        assertThat(split.batchSize()).isCloseTo(2, within(1e-9));
    }

    @Test
    void isZeroWhenNothingRan() {
        ServerSplit split = ServerSplit.between(List.of(stats(5, 5, 5, 5, 5)), List.of(stats(5, 5, 5, 5, 5)));

        assertThat(split).isEqualTo(new ServerSplit(0, 0, 0, 0, 0, 0));
    }

    @Test
    void weighsWindowsByTheirRequests() {
        ServerSplit average = ServerSplit.average(List.of(new ServerSplit(100, 10, 0, 0, 0, 1), new ServerSplit(300, 30, 0, 0, 0, 3)));

        assertThat(average.queueMicros()).isCloseTo(25, within(1e-9));
        assertThat(average.batchSize()).isCloseTo(2.5, within(1e-9));
    }
}
