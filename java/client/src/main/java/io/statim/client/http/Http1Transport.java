package io.statim.client.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.statim.client.Protocol;
import io.statim.client.spi.ClientSettings;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * HTTP/1.1 with keep-alive to one address: a pool of at most {@code maxConnections} connections, each
 * carrying one exchange at a time (no pipelining, so that a failure never leaves later requests in
 * doubt). A caller that finds every connection busy waits for one in the pool's queue. Thread-safe.
 */
public final class Http1Transport implements HttpTransport {
    private final FixedChannelPool pool;
    private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final InetSocketAddress address;
    private final ClientSettings settings;

    public Http1Transport(IoLoops loops, InetSocketAddress address, ClientSettings settings) {
        this.address = address;
        this.settings = settings;
        Bootstrap bootstrap = new Bootstrap().group(loops.group()).channel(loops.socketChannel()).remoteAddress(address)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis());
        String host = address.getHostString() + ":" + address.getPort();
        this.pool = new FixedChannelPool(bootstrap, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                open.add(ch);
                ch.pipeline().addLast(new HttpClientCodec(), new Http1Exchanges(host, settings.maxResponseBytes()));
            }
        }, ChannelHealthChecker.ACTIVE, null, -1, settings.maxConnections(), Integer.MAX_VALUE, true, true);
    }

    @Override
    public CompletableFuture<HttpReply> exchange(HttpCall call) {
        CompletableFuture<HttpReply> future = new CompletableFuture<>();
        PendingReply pending = new PendingReply(future, Protocol.HTTP1, settings.requestTimeout());
        pool.acquire().addListener(f -> {
            if (!f.isSuccess()) {
                pending.failNotSent("cannot connect to " + address, f.cause());
                return;
            }
            Channel channel = (Channel) f.getNow();
            channel.pipeline().get(Http1Exchanges.class).send(channel, call, pending, () -> pool.release(channel));
        });
        return future;
    }

    @Override
    public int openConnections() {
        return open.size();
    }

    @Override
    public void close() {
        pool.close();
        open.close().awaitUninterruptibly(2_000);
    }
}
