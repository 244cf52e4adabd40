package io.statim.client.http;

import io.netty.channel.Channel;
import io.statim.client.Protocol;
import io.statim.client.StatimClientException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The caller's side of one HTTP exchange: the future to complete once, and the request timeout, which
 * closes the channel carrying the exchange (an HTTP/1.1 connection or an HTTP/2 stream) when it fires,
 * since an answer arriving later could not be matched. Touched by the channel's event loop only, after
 * {@link #watch}.
 */
final class PendingReply {
    private final CompletableFuture<HttpReply> future;
    private final Protocol protocol;
    private final Duration timeout;
    private ScheduledFuture<?> timer;

    PendingReply(CompletableFuture<HttpReply> future, Protocol protocol, Duration timeout) {
        this.future = future;
        this.protocol = protocol;
        this.timeout = timeout;
    }

    /** Starts the timeout on the channel that carries the exchange. */
    void watch(Channel channel) {
        if (!timeout.isZero()) {
            timer = channel.eventLoop().schedule(() -> {
                if (fail(StatimClientException.timeout(protocol, "no response within " + timeout.toMillis() + " ms"))) {
                    channel.close();
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    boolean succeed(HttpReply reply) {
        stopTimer();
        return future.complete(reply);
    }

    boolean fail(StatimClientException e) {
        stopTimer();
        return future.completeExceptionally(e);
    }

    /** Fails with a request known not to have reached the server. */
    boolean failNotSent(String message, Throwable cause) {
        return fail(StatimClientException.notSent(protocol, message, cause));
    }

    /** Fails with a request that may have reached the server. */
    boolean failAfterSend(String message, Throwable cause) {
        return fail(StatimClientException.failed(protocol, message, cause));
    }

    boolean isDone() {
        return future.isDone();
    }

    private void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
