package io.statim.scheduler;

/**
 * A monotonic nanosecond clock, injected so that the batcher's timing (queue delays, timeouts) can be
 * tested without sleeping.
 */
@FunctionalInterface
public interface NanoClock {
    /** The system's monotonic clock. */
    NanoClock SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin, as {@link System#nanoTime()}. */
    long nanoTime();
}
