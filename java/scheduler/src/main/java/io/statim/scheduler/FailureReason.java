package io.statim.scheduler;

/** Why a request failed, as Triton's failure metric counts it. */
public enum FailureReason {
    /** Refused by the scheduler: queue full, timed out in the queue, model unloading. */
    REJECTED,
    /** Cancelled by its caller before it ran. */
    CANCELED,
    /** The backend failed while executing it. */
    BACKEND,
    /** Anything else. */
    OTHER
}
