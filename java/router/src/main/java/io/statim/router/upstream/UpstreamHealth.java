package io.statim.router.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether one upstream may take requests: active checks and passive ejection, as two independent
 * conditions. An upstream is in rotation when its checks pass and it is not ejected.
 *
 * <ul>
 *   <li>Active: the first check result sets the state; after that {@code unhealthyThreshold}
 *       consecutive failed checks take it out and {@code healthyThreshold} consecutive passed ones
 *       bring it back.</li>
 *   <li>Passive: {@code ejectAfterFailures} consecutive failed requests (any {@link FailureKind})
 *       eject it for {@code ejectionNanos} times the number of ejections in a row (at most
 *       {@value #MAX_EJECTION_MULTIPLIER}); a successful request ends the row. Failures of requests
 *       that were in flight while it was ejected do not count again, so one incident ejects once.</li>
 * </ul>
 *
 * <p>Threads: {@link #onCheck} and {@link #expireEjection} are called by the health checker's one
 * thread; {@link #onRequestFailed} and {@link #onRequestSucceeded} by any event loop (atomics, no
 * lock); the getters from anywhere. Times are {@link System#nanoTime()} values, passed in so that
 * tests drive a fake clock.
 */
public final class UpstreamHealth {
    /** The longest ejection is this many times {@code ejectionNanos}. */
    public static final int MAX_EJECTION_MULTIPLIER = 10;

    private final int unhealthyThreshold;
    private final int healthyThreshold;
    private final int ejectAfterFailures;
    private final long ejectionNanos;

    private volatile boolean checksPass;
    private boolean checked;
    private int streak;

    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger ejectionsInRow = new AtomicInteger();
    private volatile boolean ejected;
    private volatile long ejectedUntilNanos;

    /**
     * @param ejectAfterFailures 0 turns passive ejection off
     */
    public UpstreamHealth(int unhealthyThreshold, int healthyThreshold, int ejectAfterFailures, long ejectionNanos) {
        this.unhealthyThreshold = unhealthyThreshold;
        this.healthyThreshold = healthyThreshold;
        this.ejectAfterFailures = ejectAfterFailures;
        this.ejectionNanos = ejectionNanos;
    }

    /**
     * Records an active check. Health checker thread only.
     *
     * @return true when the checks' verdict changed
     */
    public boolean onCheck(boolean passed) {
        if (!checked) {
            checked = true;
            boolean changed = checksPass != passed;
            checksPass = passed;
            return changed;
        }
        if (passed == checksPass) {
            streak = 0;
            return false;
        }
        if (++streak >= (passed ? healthyThreshold : unhealthyThreshold)) {
            checksPass = passed;
            streak = 0;
            return true;
        }
        return false;
    }

    /**
     * Records a failed request. Any thread.
     *
     * @return true when this failure ejected the upstream
     */
    public boolean onRequestFailed(long nowNanos) {
        if (ejectAfterFailures == 0 || isEjected(nowNanos)) {
            return false;
        }
        if (consecutiveFailures.incrementAndGet() != ejectAfterFailures) {
            return false;
        }
        consecutiveFailures.set(0);
        int row = Math.min(ejectionsInRow.incrementAndGet(), MAX_EJECTION_MULTIPLIER);
        ejectedUntilNanos = nowNanos + ejectionNanos * row;
        ejected = true;
        return true;
    }

    /** Records a successful request: ends a row of failures and of ejections. Any thread; two reads when nothing changes. */
    public void onRequestSucceeded() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (ejectionsInRow.get() != 0) {
            ejectionsInRow.set(0);
        }
    }

    /**
     * Ends an ejection whose time has passed. Health checker thread.
     *
     * @return true when an ejection ended
     */
    public boolean expireEjection(long nowNanos) {
        if (ejected && nowNanos - ejectedUntilNanos >= 0) {
            ejected = false;
            return true;
        }
        return false;
    }

    /** True when the upstream may take requests at {@code nowNanos}. */
    public boolean inRotation(long nowNanos) {
        return checksPass && !isEjected(nowNanos);
    }

    /** True when the last verdict of the active checks is healthy. */
    public boolean checksPass() {
        return checksPass;
    }

    /** True while a passive ejection lasts. */
    public boolean isEjected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }
}
