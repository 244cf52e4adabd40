package io.statim.protocol;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.InferenceRequest;
import java.util.Map;

/**
 * The request parameters that reach the scheduler, read the same way by every protocol: {@code priority}
 * (a priority level, 1 the highest; 0 or absent for the model's default) and {@code timeout} (how long
 * the request may wait before it runs, in microseconds as the protocol sends it; 0 or absent for the
 * model's default). Both OIP REST (the JSON {@code parameters} object) and gRPC (the
 * {@code InferParameter} map) hand over their parameters as a map of String, Long, Double or Boolean
 * values. Immutable; any thread.
 *
 * @param priority  the priority level, or {@link InferenceRequest#DEFAULT_PRIORITY}
 * @param timeoutNs the timeout in nanoseconds, or {@link InferenceRequest#NO_TIMEOUT}
 */
public record SchedulingParameters(int priority, long timeoutNs) {
    /** The parameter that names the priority level. */
    public static final String PRIORITY = "priority";
    /** The parameter that holds the timeout in microseconds. */
    public static final String TIMEOUT = "timeout";

    /** No priority and no timeout asked for. */
    public static final SchedulingParameters DEFAULT = new SchedulingParameters(InferenceRequest.DEFAULT_PRIORITY,
            InferenceRequest.NO_TIMEOUT);

    public SchedulingParameters {
        if (priority < 0) {
            throw new IllegalArgumentException("priority=" + priority + " must be >= 0");
        }
        if (timeoutNs < 0) {
            throw new IllegalArgumentException("timeoutNs=" + timeoutNs + " must be >= 0");
        }
    }

    /**
     * Reads {@code priority} and {@code timeout} from request parameters; other parameters are not
     * looked at.
     *
     * @throws StatusException INVALID_ARGUMENT naming the parameter when it is not a non-negative integer
     */
    public static SchedulingParameters of(Map<String, Object> parameters) {
        Object priority = parameters.get(PRIORITY);
        Object timeout = parameters.get(TIMEOUT);
        if (priority == null && timeout == null) {
            return DEFAULT;
        }
        long level = nonNegative(PRIORITY, priority, "a priority level");
        if (level > Integer.MAX_VALUE) {
            throw new StatusException(Code.INVALID_ARGUMENT, "request parameter '" + PRIORITY + "' is " + level
                    + "; priority levels go up to " + Integer.MAX_VALUE);
        }
        long timeoutUs = nonNegative(TIMEOUT, timeout, "microseconds");
        return new SchedulingParameters((int) level, microsToNanos(timeoutUs));
    }

    /**
     * These parameters for a caller whose deadline is {@code remainingNs} away: the timeout becomes the
     * smaller of the two.
     *
     * @param remainingNs time left until the deadline, at least 1
     */
    public SchedulingParameters withDeadline(long remainingNs) {
        if (remainingNs < 1) {
            throw new IllegalArgumentException("remainingNs=" + remainingNs + " must be >= 1");
        }
        long timeout = timeoutNs == InferenceRequest.NO_TIMEOUT ? remainingNs : Math.min(timeoutNs, remainingNs);
        return new SchedulingParameters(priority, timeout);
    }

    private static long nonNegative(String name, Object value, String unit) {
        if (value == null) {
            return 0;
        }
        if (!(value instanceof Long n) || n < 0) {
            throw new StatusException(Code.INVALID_ARGUMENT, "request parameter '" + name + "' must be a non-negative integer ("
                    + unit + ")");
        }
        return n;
    }

    private static long microsToNanos(long micros) {
        return micros > Long.MAX_VALUE / 1_000 ? Long.MAX_VALUE : micros * 1_000;
    }
}
