package io.statim.router.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Makes the {@link UpstreamConnection}s of the router's event loops: each loop gets its own
 * connection to each upstream port, so a request is proxied without leaving the thread that read it.
 * Immutable; any thread.
 */
public final class ConnectionFactory {
    private final EventLoop[] loops;
    private final Class<? extends Channel> channelType;
    private final int connectTimeoutMillis;
    private final Consumer<Upstream> onLost;

    /**
     * @param loops      the event loops; a loop's index in this array is its connection slot
     * @param onLost     told (on a loop) when an upstream's connection closed by itself
     */
    public ConnectionFactory(EventLoop[] loops, Class<? extends Channel> channelType, long connectTimeoutMillis,
            Consumer<Upstream> onLost) {
        this.loops = loops.clone();
        this.channelType = channelType;
        this.connectTimeoutMillis = Math.toIntExact(connectTimeoutMillis);
        this.onLost = onLost;
    }

    /** How many loops (connection slots per upstream port) there are. */
    public int loops() {
        return loops.length;
    }

    /** The event loop of slot {@code index}. */
    public EventLoop loop(int index) {
        return loops[index];
    }

    UpstreamConnection create(Upstream upstream, int loop, int port) {
        Bootstrap bootstrap = new Bootstrap().group(loops[loop]).channel(channelType)
                .remoteAddress(new InetSocketAddress(upstream.address().host(), port))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
        return new UpstreamConnection(bootstrap, () -> onLost.accept(upstream));
    }
}
