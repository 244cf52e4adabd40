package io.statim.router.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * One multiplexed HTTP/2 connection (cleartext, prior knowledge) from one event loop to one port of
 * one upstream; every request is a stream on it. Opened on first use, and again after it closed or
 * the upstream sent GOAWAY (streams in flight finish on the old one, which the upstream closes).
 *
 * <p>A connection with no traffic for {@link #KEEPALIVE_SECONDS} sends an HTTP/2 PING, so that an
 * upstream's idle timeout (Statim closes connections idle 300 s by default) never closes it under a
 * request that is just being sent, and middleboxes keep its state.
 *
 * <p>Confined to its event loop: {@link #openStream} must be called there, and its listener runs
 * there. A connection lost without {@link #close} tells the health checker through {@code onLost}, so
 * an upstream that died is checked at once instead of at the next interval.
 */
public final class UpstreamConnection {
    /** Larger than HTTP/2's 64 KiB default, so a response of a few MiB needs few window updates. */
    static final int INITIAL_WINDOW_BYTES = 1 << 20;
    private static final int MAX_HEADER_LIST_BYTES = 64 << 10;
    private static final AttributeKey<Boolean> GOING_AWAY = AttributeKey.valueOf("statim.router.goingAway");
    /** Seconds without traffic after which a connection sends a PING: well below upstreams' idle timeouts. */
    static final int KEEPALIVE_SECONDS = 60;

    /** The outcome of {@link #openStream}, on the connection's event loop. */
    public interface StreamListener {
        /** The stream is open; nothing has been written on it. */
        void streamOpened(Http2StreamChannel stream);

        /** No stream could be opened (no connection, or the connection closed): nothing reached the upstream. */
        void streamFailed(Throwable cause);
    }

    private final Bootstrap bootstrap;
    private final Runnable onLost;
    private Channel channel;
    private Http2StreamChannelBootstrap streams;
    private ChannelFuture connecting;
    private boolean closed;

    /**
     * @param bootstrap a bootstrap bound to the connection's event loop and the upstream's address;
     *                  its handler is replaced here
     * @param onLost    run on the event loop when an open connection closes by itself
     */
    UpstreamConnection(Bootstrap bootstrap, Runnable onLost) {
        this(bootstrap, onLost, KEEPALIVE_SECONDS);
    }

    /** As above, pinging after {@code keepAliveSeconds} without traffic (0: never). */
    UpstreamConnection(Bootstrap bootstrap, Runnable onLost, int keepAliveSeconds) {
        this.onLost = onLost;
        this.bootstrap = bootstrap.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (keepAliveSeconds > 0) {
                    ch.pipeline().addLast(new IdleStateHandler(0, 0, keepAliveSeconds, TimeUnit.SECONDS), new KeepAlive());
                }
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(INITIAL_WINDOW_BYTES)
                                        .maxHeaderListSize(MAX_HEADER_LIST_BYTES))
                                .build(),
                        new Http2MultiplexHandler(RejectPushes.INSTANCE), new GoAwayWatcher());
            }
        });
    }

    /** Opens a stream with {@code handler} as its only handler. On the connection's event loop. */
    public void openStream(ChannelHandler handler, StreamListener listener) {
        if (closed) {
            listener.streamFailed(new ClosedChannelException());
            return;
        }
        Channel ch = channel;
        if (ch != null && ch.isActive() && !ch.hasAttr(GOING_AWAY)) {
            open(handler, listener);
            return;
        }
        ChannelFuture pending = connecting != null ? connecting : connect();
        pending.addListener(f -> {
            if (f.isSuccess() && channel != null) {
                open(handler, listener);
            } else {
                listener.streamFailed(f.cause() != null ? f.cause() : new ClosedChannelException());
            }
        });
    }

    private ChannelFuture connect() {
        channel = null;
        ChannelFuture f = bootstrap.connect();
        connecting = f;
        // Registered before any waiter's listener, so it runs first.
        f.addListener(done -> {
            if (connecting == f) {
                connecting = null;
            }
            if (done.isSuccess()) {
                Channel ch = f.channel();
                channel = ch;
                streams = new Http2StreamChannelBootstrap(ch);
                ch.closeFuture().addListener(c -> closed(ch));
            }
        });
        return f;
    }

    private void open(ChannelHandler handler, StreamListener listener) {
        streams.handler(handler).open().addListener(f -> {
            if (f.isSuccess()) {
                listener.streamOpened((Http2StreamChannel) f.getNow());
            } else {
                listener.streamFailed(f.cause());
            }
        });
    }

    private void closed(Channel ch) {
        if (channel == ch) {
            channel = null;
        }
        if (!closed && !ch.eventLoop().isShuttingDown()) {
            onLost.run();
        }
    }

    /** Closes the connection; streams in flight are reset. On the connection's event loop. */
    public void close() {
        closed = true;
        if (channel != null) {
            channel.close();
        }
        if (connecting != null) {
            connecting.channel().close();
        }
    }

    /** Sends a PING when the connection has been idle (written from the tail, through the frame codec). */
    private static final class KeepAlive extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.channel().writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }

    /** Marks a connection the upstream sent GOAWAY on, so that new requests open a new one. */
    private static final class GoAwayWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                ctx.channel().attr(GOING_AWAY).set(Boolean.TRUE);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** Upstreams may not push: a pushed stream is closed at once. */
    @ChannelHandler.Sharable
    private static final class RejectPushes extends ChannelInboundHandlerAdapter {
        static final RejectPushes INSTANCE = new RejectPushes();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
