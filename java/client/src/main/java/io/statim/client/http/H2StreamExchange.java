package io.statim.client.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.statim.client.Protocol;
import io.statim.client.StatimClientException;

/**
 * One exchange on its own HTTP/2 stream: writes the headers and the body, gathers the answer, and
 * decides what a failure means. A stream the server refused ({@code REFUSED_STREAM}) or that lies above
 * the last stream id of a GOAWAY, or whose headers could not be written (the stream was never
 * created), did not reach the server; any other end before the answer may have. Confined to the
 * stream's event loop.
 */
final class H2StreamExchange extends ChannelInboundHandlerAdapter {
    private static final String SCHEME = "http";

    private final HttpCall call;
    private final PendingReply pending;
    private final String authority;
    private final int maxResponseBytes;
    private int status;
    private int jsonLength = -1;
    private BodyCollector body;

    H2StreamExchange(HttpCall call, PendingReply pending, String authority, int maxResponseBytes) {
        this.call = call;
        this.pending = pending;
        this.authority = authority;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** Writes the request on the newly opened stream. */
    void start(Http2StreamChannel stream) {
        Http2Headers headers = new DefaultHttp2Headers(false).method(call.method().asciiName()).path(call.path())
                .scheme(SCHEME).authority(authority);
        int length = call.body().length;
        if (call.contentType() != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, call.contentType());
        }
        if (call.jsonLength() >= 0) {
            headers.setInt(HttpReply.INFERENCE_HEADER_CONTENT_LENGTH, call.jsonLength());
        }
        if (length > 0) {
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        pending.watch(stream);
        stream.write(new DefaultHttp2HeadersFrame(headers, length == 0)).addListener(f -> {
            if (!f.isSuccess()) {
                // The stream is created when its headers are written: it never reached the server.
                pending.failNotSent("could not open a stream to " + authority, f.cause());
                stream.close();
            }
        });
        if (length > 0) {
            stream.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(call.body()), true));
        }
        stream.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case Http2HeadersFrame h -> onHeaders(ctx, h);
                case Http2DataFrame d -> onData(ctx, d);
                default -> {
                }
            }
        } catch (StatimClientException e) {
            pending.fail(e);
            ctx.close();
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        if (body == null) {
            CharSequence code = frame.headers().status();
            status = code == null ? 0 : Integer.parseInt(code.toString());
            if (status >= 100 && status < 200) {
                return;
            }
            jsonLength = HttpReply.jsonLength(frame.headers().get(HttpReply.INFERENCE_HEADER_CONTENT_LENGTH));
            CharSequence contentLength = frame.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            body = new BodyCollector(contentLength == null ? -1 : Long.parseLong(contentLength.toString()), maxResponseBytes);
        }
        if (frame.isEndStream()) {
            complete(ctx);
        }
    }

    private void onData(ChannelHandlerContext ctx, Http2DataFrame frame) {
        if (body == null) {
            throw StatimClientException.failed(Protocol.H2C, "data before the response headers from " + authority, null);
        }
        body.add(frame.content(), Protocol.H2C);
        if (frame.isEndStream()) {
            complete(ctx);
        }
    }

    private void onReset(ChannelHandlerContext ctx, Http2ResetFrame frame) {
        if (frame.errorCode() == Http2Error.REFUSED_STREAM.code()) {
            pending.failNotSent("the server refused the stream (REFUSED_STREAM)", null);
        } else {
            pending.failAfterSend("the server reset the stream with error " + frame.errorCode(), null);
        }
        ctx.close();
    }

    private void complete(ChannelHandlerContext ctx) {
        pending.succeed(new HttpReply(status, jsonLength, body.bytes()));
        body = null;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Netty's multiplexer hands RST_STREAM and GOAWAY to a stream as events, not reads.
        if (evt instanceof Http2ResetFrame reset) {
            onReset(ctx, reset);
            return;
        }
        if (evt instanceof Http2GoAwayFrame goAway) {
            // Netty tells only the streams above the GOAWAY's last stream id: the server never saw them.
            pending.failNotSent("the server is going away (GOAWAY, last stream " + goAway.lastStreamId() + ")", null);
            goAway.release();
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!pending.isDone()) {
            pending.failAfterSend("the stream to " + authority + " closed before the response", null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pending.failAfterSend("the stream to " + authority + " failed", cause);
        ctx.close();
    }
}
