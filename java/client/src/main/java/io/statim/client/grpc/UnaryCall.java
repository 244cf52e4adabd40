package io.statim.client.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.statim.client.StatimClientException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;

/**
 * Completes a future with the one message of a unary gRPC call, or with a
 * {@link StatimClientException} carrying the status. A call that failed because the connection could
 * not be made ({@code UNAVAILABLE} caused by a refused or timed-out connect) never reached the server
 * and says so; grpc-java itself already retries, transparently, streams the server refused or that a
 * GOAWAY left unprocessed. Called on the transport's threads.
 */
final class UnaryCall<T> implements StreamObserver<T> {
    private final CompletableFuture<T> future = new CompletableFuture<>();
    private T value;

    CompletableFuture<T> future() {
        return future;
    }

    @Override
    public void onNext(T message) {
        value = message;
    }

    @Override
    public void onError(Throwable t) {
        future.completeExceptionally(toException(t));
    }

    @Override
    public void onCompleted() {
        future.complete(value);
    }

    static StatimClientException toException(Throwable t) {
        Status status = Status.fromThrowable(t);
        boolean notSent = status.getCode() == Status.Code.UNAVAILABLE && causedByConnect(status.getCause());
        String message = status.getDescription() == null ? "" : status.getDescription();
        return StatimClientException.grpcStatus(status.getCode(), message, notSent, status.getCause());
    }

    private static boolean causedByConnect(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }
}
