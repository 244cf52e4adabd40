package io.statim.client;

import io.grpc.Status;

/**
 * A failed call of a {@link StatimClient}: either the server answered with an error (an HTTP status
 * of 400 or more, or a gRPC status other than OK), whose message is {@link #serverMessage()}, or the
 * call failed on the way (connection refused, reset, timeout), with the cause attached.
 *
 * <p>{@link #requestNotSent()} says the request is known not to have reached the server (the connection
 * was never made, or HTTP/2 refused the stream): only such failures are retried by the client, and a
 * caller may safely send it again. Every other failure may have been processed by the server.
 */
public final class StatimClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Protocol protocol;
    private final int httpStatus;
    private final Status.Code grpcCode;
    private final String serverMessage;
    private final boolean requestNotSent;
    private final String label;
    private int attempts = 1;

    private StatimClientException(Protocol protocol, int httpStatus, Status.Code grpcCode, String serverMessage, boolean notSent,
            String label, String message, Throwable cause) {
        super(message, cause);
        this.label = label;
        this.protocol = protocol;
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
        this.serverMessage = serverMessage;
        this.requestNotSent = notSent;
    }

    /** The server answered with an HTTP error status. */
    public static StatimClientException httpStatus(Protocol protocol, int status, String serverMessage) {
        return new StatimClientException(protocol, status, null, serverMessage, false, Integer.toString(status),
                "HTTP " + status + (serverMessage.isEmpty() ? "" : ": " + serverMessage), null);
    }

    /** The server (or the gRPC library) answered with a gRPC status. */
    public static StatimClientException grpcStatus(Status.Code code, String serverMessage, boolean notSent, Throwable cause) {
        return new StatimClientException(Protocol.GRPC, 0, code, serverMessage, notSent, code.name(),
                "gRPC " + code + (serverMessage.isEmpty() ? "" : ": " + serverMessage), cause);
    }

    /** The request is known not to have reached the server. */
    public static StatimClientException notSent(Protocol protocol, String message, Throwable cause) {
        return new StatimClientException(protocol, 0, null, "", true, "not_sent", message, cause);
    }

    /** The call failed after the request may have reached the server, without an answer. */
    public static StatimClientException failed(Protocol protocol, String message, Throwable cause) {
        return new StatimClientException(protocol, 0, null, "", false, "failed", message, cause);
    }

    /** No answer came within the request timeout; the request may have been processed. */
    public static StatimClientException timeout(Protocol protocol, String message) {
        return new StatimClientException(protocol, 0, null, "", false, "timeout", message, null);
    }

    /** The protocol of the failed call. */
    public Protocol protocol() {
        return protocol;
    }

    /** The HTTP status the server answered with; 0 when none (gRPC, or no answer). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The gRPC status code; {@code null} over the REST protocols. */
    public Status.Code grpcCode() {
        return grpcCode;
    }

    /** The server's error message (the REST {@code "error"} field, the gRPC status description); empty for none. */
    public String serverMessage() {
        return serverMessage;
    }

    /** True when the request is known not to have reached the server, so that sending it again is safe. */
    public boolean requestNotSent() {
        return requestNotSent;
    }

    /** How many times the client sent (or tried to send) the request. */
    public int attempts() {
        return attempts;
    }

    void attempts(int count) {
        attempts = count;
    }

    /**
     * A short label of the failure, for counting: the HTTP status ({@code "400"}), the gRPC code
     * ({@code "UNAVAILABLE"}), or {@code not_sent}, {@code timeout}, {@code failed} for failures without an answer.
     */
    public String label() {
        return label;
    }
}
