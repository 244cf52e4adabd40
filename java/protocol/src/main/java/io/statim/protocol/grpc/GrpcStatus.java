package io.statim.protocol.grpc;

import io.grpc.StatusRuntimeException;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where Statim's {@link Status} becomes a gRPC status: the code comes from
 * {@link io.statim.core.status.Code#grpcCode()} (the one table), the description is the status
 * message, which never carries payload. Static and thread-safe.
 */
public final class GrpcStatus {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcStatus.class);

    private GrpcStatus() {
    }

    /** The gRPC status of {@code status}. */
    public static io.grpc.Status of(Status status) {
        return io.grpc.Status.fromCodeValue(status.code().grpcCode()).withDescription(status.message());
    }

    /** {@code status} as the exception a {@code StreamObserver.onError} takes. */
    public static StatusRuntimeException exception(Status status) {
        return of(status).asRuntimeException();
    }

    /**
     * The status of a failure: its own for a {@link StatusException}, else INTERNAL naming the exception's
     * class, which is logged with its stack trace (an error of the server, not of the caller).
     *
     * @param call the call that failed, for the log
     */
    public static Status of(Throwable failure, String call) {
        if (!(failure instanceof StatusException)) {
            LOG.error("gRPC {} failed", call, failure);
        }
        return StatusException.statusOf(failure);
    }
}
