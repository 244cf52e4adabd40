package io.statim.client;

import io.netty.channel.EventLoopGroup;
import io.statim.client.spi.ClientProtocol;
import io.statim.client.spi.Futures;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs a call against the client's server addresses with retries only where the request is known not
 * to have reached a server ({@link StatimClientException#requestNotSent()}): a refused or failed
 * connection, a refused HTTP/2 stream, a stream above a GOAWAY's last stream id. Any answer from a
 * server (4xx, 5xx) and any failure after the request may have been received ends the call. A retry
 * goes to the next address (the preferred one moves there for later calls too); when there is one
 * address it waits {@code backoff} first. Thread-safe.
 */
final class Attempts {
    private final List<ClientProtocol> targets;
    private final int maxAttempts;
    private final Duration backoff;
    private final EventLoopGroup timer;
    private volatile int preferred;

    Attempts(List<ClientProtocol> targets, int maxAttempts, Duration backoff, EventLoopGroup timer) {
        this.targets = List.copyOf(targets);
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.timer = timer;
    }

    <T> CompletableFuture<T> run(Function<ClientProtocol, CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(call, result, 1);
        return result;
    }

    private <T> void attempt(Function<ClientProtocol, CompletableFuture<T>> call, CompletableFuture<T> result, int attempt) {
        int target = preferred;
        call.apply(targets.get(target)).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
                return;
            }
            StatimClientException failure = asClientException(Futures.unwrap(error));
            if (!failure.requestNotSent() || attempt >= maxAttempts) {
                failure.attempts(attempt);
                result.completeExceptionally(failure);
                return;
            }
            if (targets.size() > 1) {
                if (preferred == target) {
                    preferred = (target + 1) % targets.size();
                }
                attempt(call, result, attempt + 1);
            } else {
                timer.schedule(() -> attempt(call, result, attempt + 1), backoff.toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    private static StatimClientException asClientException(Throwable t) {
        if (t instanceof StatimClientException e) {
            return e;
        }
        return StatimClientException.failed(null, "the call failed: " + t, t);
    }
}
