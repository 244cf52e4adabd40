package io.statim.core.status;

import java.util.Objects;

/**
 * The outcome of an operation: a {@link Code} and a message for the caller. Messages never carry
 * payload data (inputs are protected health information): they name tensors, models, shapes and
 * sizes, never values.
 */
public record Status(Code code, String message) {

    public static final Status OK = new Status(Code.OK, "");

    public Status {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    public boolean isOk() {
        return code == Code.OK;
    }

    /** This status as an exception, for paths where a return value cannot carry it. */
    public StatusException asException() {
        return new StatusException(this);
    }

    public static Status invalidArgument(String message) {
        return new Status(Code.INVALID_ARGUMENT, message);
    }

    public static Status notFound(String message) {
        return new Status(Code.NOT_FOUND, message);
    }

    public static Status unavailable(String message) {
        return new Status(Code.UNAVAILABLE, message);
    }

    public static Status internal(String message) {
        return new Status(Code.INTERNAL, message);
    }

    public static Status of(Code code, String message) {
        return new Status(code, message);
    }
}
