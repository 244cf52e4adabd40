package io.statim.core.status;

/**
 * Carries a {@link Status} up through code that cannot return it. Validation errors are thrown with
 * {@code writableStackTrace=false} (they are expected and frequent); internal errors keep a stack
 * trace and may carry a cause.
 */
public final class StatusException extends RuntimeException {
    private final Status status;

    public StatusException(Status status) {
        super(status.message(), null, false, !status.code().isClientError());
        this.status = status;
    }

    public StatusException(Status status, Throwable cause) {
        super(status.message(), cause, false, true);
        this.status = status;
    }

    public StatusException(Code code, String message) {
        this(new Status(code, message));
    }

    public Status status() {
        return status;
    }

    public Code code() {
        return status.code();
    }

    /** The status of any throwable: its own for a StatusException, else INTERNAL naming its class. */
    public static Status statusOf(Throwable t) {
        if (t instanceof StatusException se) {
            return se.status;
        }
        return Status.internal("internal error: " + t.getClass().getSimpleName());
    }
}
