package io.statim.model.config;

/**
 * Triton's {@code ModelQueuePolicy}: what happens to requests of one priority level that wait.
 *
 * @param timeoutAction        what a request that waited past its timeout gets
 * @param defaultTimeoutNs     how long a request may wait before it runs; 0 = no limit
 * @param allowTimeoutOverride whether a request's own {@code timeout} may lower the default
 * @param maxQueueSize         requests that may wait at this level; 0 = no limit of its own
 */
public record QueuePolicy(TimeoutAction timeoutAction, long defaultTimeoutNs, boolean allowTimeoutOverride, int maxQueueSize) {

    /** Triton's default: reject on timeout, no timeout, no override, no size limit. */
    public static final QueuePolicy DEFAULT = new QueuePolicy(TimeoutAction.REJECT, 0, false, 0);

    /** What a request that waited past its timeout gets. */
    public enum TimeoutAction {
        /** Fails at once, without running. */
        REJECT,
        /** Stays queued, behind every request of its level and above that has not timed out. */
        DELAY
    }

    public QueuePolicy {
        java.util.Objects.requireNonNull(timeoutAction, "timeoutAction");
        if (defaultTimeoutNs < 0) {
            throw new IllegalArgumentException("defaultTimeoutNs=" + defaultTimeoutNs + " must be >= 0");
        }
        if (maxQueueSize < 0) {
            throw new IllegalArgumentException("maxQueueSize=" + maxQueueSize + " must be >= 0");
        }
    }

    /**
     * The timeout of a request that asked for {@code requestedNs} (0 = nothing asked): the default,
     * or the request's own when overriding is allowed and it is shorter. 0 = no timeout.
     */
    public long effectiveTimeoutNs(long requestedNs) {
        if (requestedNs > 0 && allowTimeoutOverride && (defaultTimeoutNs == 0 || requestedNs < defaultTimeoutNs)) {
            return requestedNs;
        }
        return defaultTimeoutNs;
    }
}
