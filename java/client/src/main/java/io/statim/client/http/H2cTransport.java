package io.statim.client.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.statim.client.spi.ClientSettings;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cleartext HTTP/2 with prior knowledge to one address: every exchange is a stream, multiplexed over
 * {@code maxConnections} connections taken in turn (one by default, as most HTTP/2 clients do).
 * Thread-safe.
 */
public final class H2cTransport implements HttpTransport {
    private final H2cConnection[] connections;
    private final AtomicInteger next = new AtomicInteger();

    public H2cTransport(IoLoops loops, InetSocketAddress address, ClientSettings settings) {
        Bootstrap bootstrap = new Bootstrap().group(loops.group()).channel(loops.socketChannel()).remoteAddress(address)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis());
        connections = new H2cConnection[settings.maxConnections()];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new H2cConnection(bootstrap, address, settings);
        }
    }

    @Override
    public CompletableFuture<HttpReply> exchange(HttpCall call) {
        int i = connections.length == 1 ? 0 : Math.floorMod(next.getAndIncrement(), connections.length);
        return connections[i].exchange(call);
    }

    @Override
    public int openConnections() {
        int n = 0;
        for (H2cConnection c : connections) {
            n += c.isOpen() ? 1 : 0;
        }
        return n;
    }

    @Override
    public void close() {
        for (H2cConnection c : connections) {
            c.close();
        }
    }
}
