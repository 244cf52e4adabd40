package io.statim.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.AsciiString;

/**
 * Sets up a cleartext connection for HTTP/1.1 with keep-alive, h2c with prior knowledge, and h2c by
 * {@code Upgrade: h2c}. Every HTTP/2 stream gets its own child channel with the same aggregation and
 * the same {@link OipHttpHandler} as an HTTP/1.1 connection, so both speak one API. Idle connections
 * are closed ({@link IdleConnections}).
 */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 16384;

    private final ChannelHandler handler;
    private final int maxBodyBytes;
    private final int maxConcurrentStreams;
    private final int idleSeconds;
    private final boolean audit;
    private final ChannelGroup connections;
    /**
     * Receive window of each HTTP/2 stream and of the connection: large bodies flow without waiting for a
     * WINDOW_UPDATE every 64 KiB (the protocol's default), as grpc-java's 1 MiB window does for gRPC.
     */
    static final int WINDOW_BYTES = 1 << 20;

    /**
     * @param idleSeconds close connections idle this long with no request in flight (0: never)
     * @param audit       write an audit line per request ({@link HttpAudit})
     * @param connections where each connection is kept until it closes, so that the server can close them all
     */
    HttpChannelInitializer(ChannelHandler handler, int maxBodyBytes, int maxConcurrentStreams, int idleSeconds, boolean audit,
            ChannelGroup connections) {
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
        this.maxConcurrentStreams = maxConcurrentStreams;
        this.idleSeconds = idleSeconds;
        this.audit = audit;
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        HttpServerCodec http1 = new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 8192);
        HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol -> {
            if (!AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
                return null;
            }
            Http2FrameCodec codec = http2FrameCodec();
            return new Http2ServerUpgradeCodec(codec, new ConnectionWindow(codec, WINDOW_BYTES),
                    new Http2MultiplexHandler(streamInitializer(), streamInitializer()));
        };
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, upgrades, maxBodyBytes);
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                Http2FrameCodec codec = http2FrameCodec();
                channel.pipeline().addLast(codec, new ConnectionWindow(codec, WINDOW_BYTES), new Http2MultiplexHandler(streamInitializer()));
            }
        };
        ChannelPipeline p = ch.pipeline();
        p.addLast(IdleConnections.handlers(idleSeconds));
        p.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
        p.addLast(new Http1Fallback());
    }

    private Http2FrameCodec http2FrameCodec() {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(maxConcurrentStreams)
                .maxHeaderListSize(MAX_HEADER_BYTES)
                .initialWindowSize(WINDOW_BYTES);
        return Http2FrameCodecBuilder.forServer().initialSettings(settings).build();
    }

    private ChannelInitializer<Channel> streamInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new LimitedAggregator(maxBodyBytes, audit ? "h2c" : null));
                if (audit) {
                    stream.pipeline().addLast(new HttpAudit("h2c"));
                }
                stream.pipeline().addLast(handler);
            }
        };
    }

    /** Reached by the first message of a connection that stayed on HTTP/1.1: installs that pipeline. */
    private final class Http1Fallback extends SimpleChannelInboundHandler<HttpMessage> {
        Http1Fallback() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpMessage msg) {
            ChannelPipeline p = ctx.pipeline();
            p.addAfter(ctx.name(), null, new HttpServerKeepAliveHandler());
            // FlowControlHandler holds back requests pipelined in one read until the one in flight is
            // answered (HttpConnections turns reading off and on), so responses leave in order.
            p.addLast(new LimitedAggregator(maxBodyBytes, audit ? "http/1.1" : null), new FlowControlHandler());
            if (audit) {
                // After the FlowControlHandler: it sees one request at a time, as the handler does.
                p.addLast(new HttpAudit("http/1.1"));
            }
            p.addLast(handler);
            ctx.fireChannelRead(msg);
            p.remove(this);
        }
    }
}
