package io.statim.client.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.statim.client.Protocol;
import io.statim.client.spi.ClientSettings;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP/2 connection (prior knowledge), opened on first use and again after it closed. Each
 * exchange opens a stream on it ({@link H2StreamExchange}). Thread-safe: the connect future is swapped
 * under the object's lock, streams are opened on the connection's event loop by Netty.
 */
final class H2cConnection {
    /** Larger than HTTP/2's 64 KiB default, so that responses of a few MiB need few window updates. */
    private static final int INITIAL_WINDOW_BYTES = 1 << 20;

    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private final Bootstrap bootstrap;
    private final String authority;
    private final ClientSettings settings;
    private ChannelFuture connection;
    private boolean closed;

    H2cConnection(Bootstrap bootstrap, InetSocketAddress address, ClientSettings settings) {
        this.authority = address.getHostString() + ":" + address.getPort();
        this.settings = settings;
        this.bootstrap = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(INITIAL_WINDOW_BYTES)
                                        .maxHeaderListSize(64 * 1024))
                                .build(),
                        new Http2MultiplexHandler(new RejectPushes()), new GoAwayWatcher());
            }
        });
    }

    CompletableFuture<HttpReply> exchange(HttpCall call) {
        CompletableFuture<HttpReply> future = new CompletableFuture<>();
        PendingReply pending = new PendingReply(future, Protocol.H2C, settings.requestTimeout());
        ChannelFuture connected = connection();
        if (connected == null) {
            pending.failNotSent("the client is closed", null);
            return future;
        }
        connected.addListener(c -> {
            if (!c.isSuccess()) {
                pending.failNotSent("cannot connect to " + authority, c.cause());
                return;
            }
            H2StreamExchange stream = new H2StreamExchange(call, pending, authority, settings.maxResponseBytes());
            new Http2StreamChannelBootstrap(connected.channel()).handler(stream).open().addListener(s -> {
                if (s.isSuccess()) {
                    stream.start((Http2StreamChannel) s.getNow());
                } else {
                    pending.failNotSent("cannot open a stream to " + authority, s.cause());
                }
            });
        });
        return future;
    }

    boolean isOpen() {
        ChannelFuture c;
        synchronized (this) {
            c = connection;
        }
        return c != null && c.isSuccess() && usable(c.channel());
    }

    /** The current connection, connecting anew when there is none or it failed or closed; null once closed. */
    private synchronized ChannelFuture connection() {
        if (closed) {
            return null;
        }
        if (connection == null || (connection.isDone() && !usable(connection.channel()))) {
            connection = bootstrap.connect();
        }
        return connection;
    }

    private static boolean usable(Channel channel) {
        return channel.isActive() && !channel.hasAttr(GoAwayWatcher.GOING_AWAY);
    }

    void close() {
        ChannelFuture c;
        synchronized (this) {
            closed = true;
            c = connection;
        }
        if (c != null) {
            c.channel().close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
        }
    }

    /**
     * Marks a connection the server sent GOAWAY on, so that new exchanges open a new one; streams in
     * flight finish on the old connection, which the server closes.
     */
    private static final class GoAwayWatcher extends ChannelInboundHandlerAdapter {
        static final AttributeKey<Boolean> GOING_AWAY = AttributeKey.valueOf("statim.h2.goingAway");

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                ctx.channel().attr(GOING_AWAY).set(Boolean.TRUE);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** The server may not open streams to a client of this protocol (no server push). */
    private static final class RejectPushes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }
}
