package io.statim.router.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statim.router.proxy.RouterContext;
import io.statim.router.proxy.RouterStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's metrics port (HTTP/1.1): {@code GET /metrics} in Prometheus text format 0.0.4 and
 * {@code GET /router/stats} as JSON. Served by the router's control event loop, so scrapes never
 * queue behind proxied traffic. Its registry belongs to this router (no global registry).
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final int MAX_BODY_BYTES = 8192;

    private final Channel channel;

    private MetricsEndpoint(Channel channel) {
        this.channel = channel;
    }

    /** Binds the port (0 = any free one) on {@code group}. */
    public static MetricsEndpoint start(String address, int port, EventLoopGroup group, Class<? extends ServerChannel> channelType,
            RouterContext router) throws InterruptedException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new RouterMetrics(router.upstreams(), router.counters()));
        Handler handler = new Handler(registry, router);
        Channel channel = new ServerBootstrap().group(group).channel(channelType)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_BODY_BYTES), handler);
                    }
                })
                .bind(new InetSocketAddress(address, port)).sync().channel();
        LOG.info("router metrics at {}/metrics and /router/stats", channel.localAddress());
        return new MetricsEndpoint(channel);
    }

    /** The port bound. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PrometheusRegistry registry;
        private final RouterContext router;
        private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();

        Handler(PrometheusRegistry registry, RouterContext router) {
            this.registry = registry;
            this.router = router;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            if (!request.method().equals(HttpMethod.GET)) {
                reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "application/json", error(request.method() + " is not allowed here; use GET"));
            } else if (path.equals("/metrics")) {
                ByteBuf body = ctx.alloc().buffer();
                try (OutputStream out = new ByteBufOutputStream(body)) {
                    writer.write(out, registry.scrape());
                } catch (IOException | RuntimeException e) {
                    body.release();
                    LOG.error("metrics scrape failed", e);
                    reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "application/json", error("metrics scrape failed"));
                    return;
                }
                reply(ctx, HttpResponseStatus.OK, writer.getContentType(), body);
            } else if (path.equals("/router/stats")) {
                reply(ctx, HttpResponseStatus.OK, "application/json", RouterStats.json(ctx.alloc(), router));
            } else {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "application/json", error("no endpoint at " + path + "; try /metrics or /router/stats"));
            }
        }

        private static ByteBuf error(String message) {
            return Unpooled.copiedBuffer("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}", StandardCharsets.UTF_8);
        }

        private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, CharSequence contentType, ByteBuf body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType).setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
