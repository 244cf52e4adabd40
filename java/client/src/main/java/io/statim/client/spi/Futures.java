package io.statim.client.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Future plumbing that keeps the cause of a failure as it is (CompletableFuture's own
 * {@code thenApply} wraps exceptions thrown by the function in CompletionException).
 */
public final class Futures {
    private Futures() {
    }

    /**
     * A future of {@code f} applied to the value of {@code source}, completed on the thread that
     * completes {@code source}; a failure of either is passed on unwrapped.
     */
    public static <T, R> CompletableFuture<R> map(CompletableFuture<T> source, Function<? super T, ? extends R> f) {
        CompletableFuture<R> out = new CompletableFuture<>();
        source.whenComplete((value, error) -> {
            if (error != null) {
                out.completeExceptionally(unwrap(error));
                return;
            }
            try {
                out.complete(f.apply(value));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** The cause of a CompletionException, or the throwable itself. */
    public static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
