package io.statim.core.status;

/**
 * Statim's canonical status codes and the one table that maps each to its HTTP status and its gRPC
 * code. Every protocol reads its status from here; nothing else maps codes.
 *
 * <p>The gRPC numbers are those of {@code google.rpc.Code}.
 */
public enum Code {
    //                       HTTP  gRPC
    OK(                       200,  0),
    CANCELLED(                499,  1),
    UNKNOWN(                  500,  2),
    INVALID_ARGUMENT(         400,  3),
    DEADLINE_EXCEEDED(        504,  4),
    NOT_FOUND(                404,  5),
    ALREADY_EXISTS(           409,  6),
    PERMISSION_DENIED(        403,  7),
    /** A limit of the server (queue, memory budget) is reached; retry later. */
    RESOURCE_EXHAUSTED(       429,  8),
    /** The request is well-formed but the target is not in a state to serve it (model not ready). */
    FAILED_PRECONDITION(      400,  9),
    ABORTED(                  409, 10),
    OUT_OF_RANGE(             400, 11),
    UNIMPLEMENTED(            501, 12),
    INTERNAL(                 500, 13),
    /** The server sheds load or is shutting down; the request was not processed. */
    UNAVAILABLE(              503, 14),
    DATA_LOSS(                500, 15),
    UNAUTHENTICATED(          401, 16),
    /** A request body or message over the configured size limit. */
    PAYLOAD_TOO_LARGE(        413,  8),
    /** A request that depends on context it lacks (SageMaker: a close without a session header). */
    FAILED_DEPENDENCY(        424,  9),
    /** An HTTP method that the path does not take. */
    METHOD_NOT_ALLOWED(       405, 12),
    /** A proxy's upstream failed after the request reached it (the router): it may have been processed. */
    BAD_GATEWAY(              502, 14);

    private final int httpStatus;
    private final int grpcCode;

    Code(int httpStatus, int grpcCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    /** The HTTP status for this code. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The gRPC status code number for this code. */
    public int grpcCode() {
        return grpcCode;
    }

    /** True when the caller's request was at fault (a 4xx). */
    public boolean isClientError() {
        return httpStatus >= 400 && httpStatus < 500;
    }
}
