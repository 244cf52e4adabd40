package io.statim.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.FullHttpMessage;
import io.statim.protocol.oip.OipJson;

/**
 * Aggregates a request body up to the configured limit; a larger body is answered with 413 and an
 * OIP error body naming the limit. A keep-alive HTTP/1.1 connection stays open (the rest of the body
 * is read and dropped); otherwise the connection (HTTP/1.1) or stream (HTTP/2) is closed.
 */
final class LimitedAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;
    /** The audit log's protocol name, or null when the audit log is off. */
    private final String audit;

    LimitedAggregator(int maxBodyBytes) {
        this(maxBodyBytes, null);
    }

    /** @param audit the protocol to write the 413's audit line under ({@link HttpAudit}), or null for none */
    LimitedAggregator(int maxBodyBytes, String audit) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
        this.audit = audit;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // As Netty's own aggregator: a keep-alive request whose body is still arriving keeps its
        // connection; the aggregator drops the rest of the body and the next request is served.
        // Closing at once would reset the connection under a client still sending, and the reset can
        // destroy the 413 before the client reads it.
        if (audit != null && oversized instanceof io.netty.handler.codec.http.HttpRequest request) {
            // The request never reaches HttpAudit, which sits behind this aggregator.
            HttpAudit.unseen(audit, ctx, request, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code());
        }
        boolean close = oversized instanceof FullHttpMessage || !HttpUtil.isKeepAlive(oversized);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                OipJson.error(ctx.alloc(), "request body is larger than the limit of " + maxBodyBytes + " bytes (--max-body-bytes)"));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}
