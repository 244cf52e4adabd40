package io.statim.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.InferenceRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingParametersTest {

    @Test
    void readsThePriorityLevelAndTheTimeoutInMicroseconds() {
        SchedulingParameters p = SchedulingParameters.of(Map.of("priority", 2L, "timeout", 1500L, "sequence_id", "abc"));
        assertThat(p.priority()).isEqualTo(2);
        assertThat(p.timeoutNs()).isEqualTo(1_500_000L);
    }

    @Test
    void leavesBothToTheModelWhenAbsent() {
        SchedulingParameters p = SchedulingParameters.of(Map.of("binary_data_output", true));
        assertThat(p.priority()).isEqualTo(InferenceRequest.DEFAULT_PRIORITY);
        assertThat(p.timeoutNs()).isEqualTo(InferenceRequest.NO_TIMEOUT);
    }

    @Test
    void refusesATimeoutThatIsNotAnInteger() {
        assertThatThrownBy(() -> SchedulingParameters.of(Map.of("timeout", 1.5)))
                .isInstanceOfSatisfying(StatusException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("'timeout'").contains("microseconds");
                });
    }

    @Test
    void refusesANegativePriority() {
        assertThatThrownBy(() -> SchedulingParameters.of(Map.of("priority", -1L)))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.getMessage()).contains("'priority'"));
    }

    @Test
    void refusesAPriorityBeyondAnInt() {
        assertThatThrownBy(() -> SchedulingParameters.of(Map.of("priority", 1L << 40)))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT));
    }

    @Test
    void saturatesAHugeTimeoutInsteadOfOverflowing() {
        assertThat(SchedulingParameters.of(Map.of("timeout", Long.MAX_VALUE)).timeoutNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void takesTheDeadlineWhenItIsSoonerThanTheTimeout() {
        SchedulingParameters p = SchedulingParameters.of(Map.of("timeout", 1_000L)).withDeadline(200_000);
        assertThat(p.timeoutNs()).isEqualTo(200_000);
    }

    @Test
    void keepsTheTimeoutWhenItIsSoonerThanTheDeadline() {
        SchedulingParameters p = SchedulingParameters.of(Map.of("timeout", 1_000L)).withDeadline(5_000_000);
        assertThat(p.timeoutNs()).isEqualTo(1_000_000);
    }

    @Test
    void takesTheDeadlineWhenThereIsNoTimeout() {
        assertThat(SchedulingParameters.DEFAULT.withDeadline(42).timeoutNs()).isEqualTo(42);
    }
}
