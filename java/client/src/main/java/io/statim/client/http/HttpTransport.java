package io.statim.client.http;

import java.util.concurrent.CompletableFuture;

/**
 * Sends HTTP calls to one server address over pooled connections. Thread-safe. The future completes on
 * an I/O thread, exceptionally with a {@link io.statim.client.StatimClientException} whose
 * {@code requestNotSent()} is true only when no byte of a complete request can have reached the
 * server. The transport never retries by itself.
 */
public interface HttpTransport extends AutoCloseable {

    CompletableFuture<HttpReply> exchange(HttpCall call);

    /** Connections open now. */
    int openConnections();

    @Override
    void close();
}
