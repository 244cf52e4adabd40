package io.statim.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * HTTP/1.1 connections take one request at a time: reading stops while a request is in flight and
 * resumes when its response is written, and a {@code FlowControlHandler} holds back requests that
 * arrived pipelined in the same read, so they are answered in order even though inference completes
 * on other threads. HTTP/2 streams need no such care (one request per stream).
 */
final class HttpConnections {
    private HttpConnections() {
    }

    /** Called on the event loop when a request starts. */
    static void requestStarted(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof Http2StreamChannel)) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Called on the event loop when its response was written. */
    static void requestDone(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof Http2StreamChannel) && ctx.channel().isActive()) {
            // Turning auto-read on reads once: the FlowControlHandler hands over the next request it
            // holds, if any (a second explicit read would hand over two).
            ctx.channel().config().setAutoRead(true);
        }
    }
}
