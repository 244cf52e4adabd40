package io.statim.client;

import io.statim.client.spi.ClientProtocol;

/**
 * An {@link InferRequest} encoded once by {@link StatimClient#prepare} (the JSON or binary body, or the
 * protobuf message), to be sent any number of times with {@link StatimClient#inferAsync(PreparedInfer)}
 * without encoding it again: what a load generator or a caller sending the same input repeatedly wants.
 * Immutable and thread-safe; valid only with the client that prepared it.
 */
public final class PreparedInfer {
    private final StatimClient client;
    private final ClientProtocol.Prepared prepared;

    PreparedInfer(StatimClient client, ClientProtocol.Prepared prepared) {
        this.client = client;
        this.prepared = prepared;
    }

    /** The request this was encoded from. */
    public InferRequest request() {
        return prepared.request();
    }

    ClientProtocol.Prepared prepared(StatimClient sender) {
        if (sender != client) {
            throw new IllegalArgumentException("a PreparedInfer is valid only with the client that prepared it");
        }
        return prepared;
    }
}
