package io.statim.client.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.statim.client.Protocol;
import io.statim.client.StatimClientException;

/**
 * The exchanges of one pooled HTTP/1.1 connection, one after the other: writes a request, gathers the
 * response, hands the connection back to the pool and then completes the caller's future (in that
 * order, so that a caller sending its next request from the callback finds the connection free).
 * A connection whose server asked to close, or that failed or timed out, is closed, and the pool
 * replaces it. Event-loop confined apart from {@link #send}, which hops onto the loop.
 */
final class Http1Exchanges extends ChannelInboundHandlerAdapter {
    private final String host;
    private final int maxResponseBytes;
    private PendingReply pending;
    private Runnable release;
    private HttpResponse head;
    private BodyCollector body;

    Http1Exchanges(String host, int maxResponseBytes) {
        this.host = host;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** Sends one request on this (acquired, idle) connection. */
    void send(Channel channel, HttpCall call, PendingReply reply, Runnable releaseToPool) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> send(channel, call, reply, releaseToPool));
            return;
        }
        pending = reply;
        release = releaseToPool;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, call.method(), call.path(),
                Unpooled.wrappedBuffer(call.body()));
        HttpHeaders headers = request.headers();
        headers.set(HttpHeaderNames.HOST, host);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, call.body().length);
        if (call.contentType() != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, call.contentType());
        }
        if (call.jsonLength() >= 0) {
            headers.setInt(HttpReply.INFERENCE_HEADER_CONTENT_LENGTH, call.jsonLength());
        }
        reply.watch(channel);
        channel.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess() && pending == reply) {
                // A failed write means the request did not reach the server whole: nothing was processed.
                finish(channel, false).failNotSent("could not send the request to " + host, f.cause());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (pending == null) {
                return;
            }
            if (msg instanceof HttpResponse response) {
                head = response;
                body = new BodyCollector(HttpUtil.getContentLength(response, -1L), maxResponseBytes);
            }
            if (msg instanceof HttpContent content && body != null) {
                body.add(content.content(), Protocol.HTTP1);
                if (content instanceof LastHttpContent) {
                    HttpReply reply = new HttpReply(head.status().code(),
                            HttpReply.jsonLength(head.headers().get(HttpReply.INFERENCE_HEADER_CONTENT_LENGTH)), body.bytes());
                    finish(ctx.channel(), HttpUtil.isKeepAlive(head)).succeed(reply);
                }
            }
        } catch (StatimClientException e) {
            finish(ctx.channel(), false).fail(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pending != null) {
            finish(ctx.channel(), false).failAfterSend("the connection to " + host + " closed before the response", null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (pending != null) {
            finish(ctx.channel(), false).failAfterSend("the connection to " + host + " failed", cause);
        }
        ctx.close();
    }

    /** Ends the exchange: the connection goes back to the pool (closed first unless reusable). */
    private PendingReply finish(Channel channel, boolean reusable) {
        PendingReply done = pending;
        Runnable toPool = release;
        pending = null;
        release = null;
        head = null;
        body = null;
        if (!reusable || done.isDone()) {
            channel.close();
        }
        toPool.run();
        return done;
    }
}
