package io.statim.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpstreamHealthTest {
    private static final long EJECTION_NS = 2_000_000_000L;

    private final UpstreamHealth health = new UpstreamHealth(2, 2, 3, EJECTION_NS);

    @Test
    void firstCheckDecidesAtOnce() {
        assertThat(health.inRotation(0)).as("before any check").isFalse();
        assertThat(health.onCheck(true)).isTrue();
        assertThat(health.inRotation(0)).isTrue();
        UpstreamHealth down = new UpstreamHealth(2, 2, 3, EJECTION_NS);
        assertThat(down.onCheck(false)).isFalse();
        assertThat(down.inRotation(0)).isFalse();
    }

    @Test
    void leavesRotationAfterUnhealthyThresholdFailedChecks() {
        health.onCheck(true);
        assertThat(health.onCheck(false)).isFalse();
        assertThat(health.inRotation(0)).isTrue();
        assertThat(health.onCheck(false)).isTrue();
        assertThat(health.inRotation(0)).isFalse();
    }

    @Test
    void aPassedCheckInBetweenRestartsTheCount() {
        health.onCheck(true);
        health.onCheck(false);
        health.onCheck(true);
        assertThat(health.onCheck(false)).isFalse();
        assertThat(health.inRotation(0)).isTrue();
    }

    @Test
    void comesBackAfterHealthyThresholdPassedChecks() {
        health.onCheck(false);
        assertThat(health.onCheck(true)).isFalse();
        assertThat(health.onCheck(true)).isTrue();
        assertThat(health.inRotation(0)).isTrue();
    }

    @Test
    void consecutiveFailedRequestsEjectForTheEjectionTime() {
        health.onCheck(true);
        assertThat(health.onRequestFailed(0)).isFalse();
        assertThat(health.onRequestFailed(0)).isFalse();
        assertThat(health.onRequestFailed(100)).isTrue();
        assertThat(health.inRotation(100)).isFalse();
        assertThat(health.inRotation(100 + EJECTION_NS - 1)).isFalse();
        assertThat(health.inRotation(100 + EJECTION_NS)).isTrue();
        assertThat(health.expireEjection(100 + EJECTION_NS)).isTrue();
        assertThat(health.isEjected(100 + EJECTION_NS)).isFalse();
    }

    @Test
    void aSuccessBreaksTheRowOfFailures() {
        health.onCheck(true);
        health.onRequestFailed(0);
        health.onRequestFailed(0);
        health.onRequestSucceeded();
        assertThat(health.onRequestFailed(0)).isFalse();
        assertThat(health.onRequestFailed(0)).isFalse();
        assertThat(health.inRotation(0)).isTrue();
    }

    @Test
    void failuresDuringAnEjectionDoNotEjectAgain() {
        health.onCheck(true);
        for (int i = 0; i < 3; i++) {
            health.onRequestFailed(0);
        }
        for (int i = 0; i < 30; i++) {
            assertThat(health.onRequestFailed(1)).isFalse();
        }
        assertThat(health.inRotation(EJECTION_NS)).as("one incident, one ejection of the first length").isTrue();
    }

    @Test
    void ejectionsInARowLastLonger() {
        health.onCheck(true);
        long t = 0;
        for (int i = 0; i < 3; i++) {
            health.onRequestFailed(t);
        }
        t += EJECTION_NS;
        health.expireEjection(t);
        for (int i = 0; i < 3; i++) {
            health.onRequestFailed(t);
        }
        assertThat(health.inRotation(t + EJECTION_NS)).as("second ejection in a row: twice as long").isFalse();
        assertThat(health.inRotation(t + 2 * EJECTION_NS)).isTrue();
        health.onRequestSucceeded();
        t += 2 * EJECTION_NS;
        health.expireEjection(t);
        for (int i = 0; i < 3; i++) {
            health.onRequestFailed(t);
        }
        assertThat(health.inRotation(t + EJECTION_NS)).as("a success ended the row").isTrue();
    }

    @Test
    void anEjectedUpstreamWhoseChecksFailStaysOut() {
        health.onCheck(true);
        for (int i = 0; i < 3; i++) {
            health.onRequestFailed(0);
        }
        health.onCheck(false);
        health.onCheck(false);
        assertThat(health.inRotation(10 * EJECTION_NS)).isFalse();
        health.onCheck(true);
        health.onCheck(true);
        assertThat(health.inRotation(10 * EJECTION_NS)).isTrue();
    }

    @Test
    void passiveEjectionCanBeTurnedOff() {
        UpstreamHealth never = new UpstreamHealth(2, 2, 0, EJECTION_NS);
        never.onCheck(true);
        for (int i = 0; i < 100; i++) {
            assertThat(never.onRequestFailed(0)).isFalse();
        }
        assertThat(never.inRotation(0)).isTrue();
    }
}
