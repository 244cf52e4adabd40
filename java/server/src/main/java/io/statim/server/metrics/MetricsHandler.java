package io.statim.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.server.http.HttpReplies;
import java.io.IOException;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET /metrics} with the registry's families in Prometheus text format 0.0.4; other
 * paths get 404 and other methods 405, as JSON errors like the REST API's. Shared by all connections
 * of the metrics port; runs on their event loops. A scrape allocates its snapshot and body; nothing
 * is kept between scrapes.
 */
@ChannelHandler.Sharable
public final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The one path served. */
    public static final String PATH = "/metrics";
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHandler.class);

    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();

    public MetricsHandler(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException e) {
            // A bad percent escape: answered rather than left to a bare close.
            HttpReplies.error(ctx, Status.invalidArgument("malformed request path"));
            return;
        }
        if (!request.decoderResult().isSuccess()) {
            HttpReplies.error(ctx, Status.invalidArgument("malformed HTTP request"));
        } else if (!path.equals(PATH)) {
            HttpReplies.error(ctx, Status.notFound("no endpoint at " + path + "; metrics are at " + PATH));
        } else if (!request.method().equals(HttpMethod.GET)) {
            HttpReplies.error(ctx, Status.of(Code.METHOD_NOT_ALLOWED, request.method() + " is not allowed here; use GET"));
        } else {
            scrape(ctx);
        }
    }

    private void scrape(ChannelHandlerContext ctx) {
        ByteBuf body = ctx.alloc().buffer();
        try (OutputStream out = new ByteBufOutputStream(body)) {
            writer.write(out, registry.scrape());
        } catch (IOException | RuntimeException e) {
            body.release();
            LOG.error("metrics scrape failed", e);
            HttpReplies.error(ctx, Status.internal("metrics scrape failed: " + e.getClass().getSimpleName()));
            return;
        }
        HttpReplies.text(ctx, writer.getContentType(), body);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("metrics connection error: {}", cause.toString());
        ctx.close();
    }
}
