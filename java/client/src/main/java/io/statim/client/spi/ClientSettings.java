package io.statim.client.spi;

import java.time.Duration;

/**
 * The settings every transport of a {@link io.statim.client.StatimClient} honours, validated once.
 *
 * @param connectTimeout   how long establishing a connection may take
 * @param requestTimeout   how long one call may take from sending to the whole answer; zero for no limit
 * @param maxConnections   connections per server address (HTTP/1.1: one call in flight per connection;
 *                         h2c: calls are spread over this many connections)
 * @param maxResponseBytes the largest response body accepted
 */
public record ClientSettings(Duration connectTimeout, Duration requestTimeout, int maxConnections, int maxResponseBytes) {
    public ClientSettings {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout=" + connectTimeout + " must be > 0");
        }
        if (requestTimeout.isNegative()) {
            throw new IllegalArgumentException("requestTimeout=" + requestTimeout + " must be >= 0");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections=" + maxConnections + " must be >= 1");
        }
        if (maxResponseBytes < 1) {
            throw new IllegalArgumentException("maxResponseBytes=" + maxResponseBytes + " must be >= 1");
        }
    }

    /** The connect timeout in whole milliseconds, as Netty takes it. */
    public int connectTimeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }
}
