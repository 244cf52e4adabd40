package io.statim.router.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.AsciiString;

/**
 * Sets up a client connection of a front. The HTTP port takes HTTP/1.1 (keep-alive, pipelining),
 * h2c with prior knowledge and h2c by {@code Upgrade: h2c}; the gRPC port takes HTTP/2 with prior
 * knowledge only, as gRPC clients speak it. Every HTTP/2 stream gets its own {@link H2Front}, every
 * HTTP/1.1 connection an {@link Http1Front}. Shared by all connections of one port; any thread.
 */
public final class FrontInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 64 << 10;
    /** Larger than HTTP/2's 64 KiB default, so request bodies of a few MiB need few window updates. */
    private static final int INITIAL_WINDOW_BYTES = 1 << 20;

    private final RouterContext router;
    private final boolean grpc;

    /** @param grpc the gRPC port (prior-knowledge HTTP/2 only; errors as gRPC statuses) */
    public FrontInitializer(RouterContext router, boolean grpc) {
        this.router = router;
        this.grpc = grpc;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (grpc) {
            p.addLast(frameCodec(), new Http2MultiplexHandler(streamInitializer()));
            return;
        }
        HttpServerCodec http1 = new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 8192);
        HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(frameCodec(), new Http2MultiplexHandler(streamInitializer(), streamInitializer()))
                        : null;
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, upgrades, router.config().maxBufferedBytes());
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(frameCodec(), new Http2MultiplexHandler(streamInitializer()));
            }
        };
        p.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
        p.addLast(new Http1Fallback());
    }

    private Http2FrameCodec frameCodec() {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(router.config().maxConcurrentStreams())
                .initialWindowSize(INITIAL_WINDOW_BYTES)
                .maxHeaderListSize(MAX_HEADER_BYTES);
        return Http2FrameCodecBuilder.forServer().initialSettings(settings).build();
    }

    private ChannelInitializer<Channel> streamInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new H2Front(router, grpc));
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
            // FlowControlHandler holds back requests pipelined in one read while the one before is
            // answered (Http1Front turns reading off and on), so responses leave in order.
            p.addLast(new HttpServerExpectContinueHandler(), new FlowControlHandler(), new Http1Front(router));
            ctx.fireChannelRead(msg);
            p.remove(this);
        }
    }
}
