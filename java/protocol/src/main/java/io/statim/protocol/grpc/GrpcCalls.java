package io.statim.protocol.grpc;

import io.grpc.stub.StreamObserver;
import io.statim.core.status.Status;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers unary calls. A call whose client went away (cancelled, deadline passed) may refuse the answer;
 * that is expected and logged at debug level only. Static and thread-safe; each call is answered by
 * one thread.
 */
final class GrpcCalls {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcCalls.class);

    private GrpcCalls() {
    }

    /** Answers with the message that {@code answer} computes, or with the status of what it throws. */
    static <T> void reply(StreamObserver<T> call, String name, Supplier<T> answer) {
        T message;
        try {
            message = answer.get();
        } catch (RuntimeException e) {
            fail(call, GrpcStatus.of(e, name));
            return;
        }
        answer(call, message);
    }

    /** Sends {@code message} and completes the call. */
    static <T> void answer(StreamObserver<T> call, T message) {
        try {
            call.onNext(message);
            call.onCompleted();
        } catch (RuntimeException e) {
            LOG.debug("a gRPC call ended before its answer: {}", e.toString());
        }
    }

    /** Fails the call with {@code status}. */
    static void fail(StreamObserver<?> call, Status status) {
        try {
            call.onError(GrpcStatus.exception(status));
        } catch (RuntimeException e) {
            LOG.debug("a gRPC call ended before its error: {}", e.toString());
        }
    }
}
