package io.statim.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front of one HTTP/1.1 client connection: each request becomes an {@link Exchange} in HTTP/2
 * terms (its headers converted, hop-by-hop ones dropped; its body streamed as it arrives), and the
 * upstream's response is written back as HTTP/1.1 (chunked when the upstream gave no length).
 * Requests are answered in order: once a request has been read whole, reading stops until its
 * response is written (a {@code FlowControlHandler} before this one holds pipelined requests). One
 * instance per connection, on its event loop.
 */
final class Http1Front extends ChannelInboundHandlerAdapter implements Front {
    private static final Logger LOG = LoggerFactory.getLogger(Http1Front.class);
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final Set<AsciiString> HOP_BY_HOP = Set.of(
            AsciiString.cached("connection"), AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"),
            AsciiString.cached("transfer-encoding"), AsciiString.cached("upgrade"), AsciiString.cached("host"),
            AsciiString.cached("http2-settings"), AsciiString.cached("expect"), AsciiString.cached("te"));

    private final RouterContext router;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    /** Between a request's headers and the end of its body. */
    private boolean reading;
    /** A request's response is not written yet. */
    private boolean answering;
    private boolean backPressured;
    private boolean keepAlive;
    /** The request has no body (no length, or 0, and not chunked): its headers end it. */
    private boolean bodyless;

    Http1Front(RouterContext router) {
        this.router = router;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                ReferenceCountUtil.release(msg);
                badRequestAndClose();
                return;
            }
            keepAlive = HttpUtil.isKeepAlive(request);
            bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
            reading = true;
            answering = true;
            exchange = new Exchange(router, this, router.slot(context.channel().eventLoop()), false, toHttp2(request));
            exchange.start(bodyless);
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (exchange != null && reading && !bodyless) {
                HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
                boolean hasTrailers = trailers != null && !trailers.isEmpty();
                exchange.onRequestData(content.content(), last && !hasTrailers);
                if (hasTrailers) {
                    exchange.onRequestTrailers(copy(trailers, new DefaultHttp2Headers(false)));
                }
            } else {
                content.release();
            }
            if (last) {
                reading = false;
                if (exchange != null) {
                    exchange.flushRequest();
                }
                updateAutoRead();
            }
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (exchange != null) {
            exchange.flushRequest();
        }
        context.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (exchange != null) {
            exchange.onFrontClosed();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (exchange != null && context.channel().isWritable()) {
            exchange.onFrontWritable();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.debug("client connection failed: {}", cause.toString());
        context.close();
    }

    // ---------------------------------------------------------------- Front

    @Override
    public void responseHeaders(Http2Headers headers, boolean endStream) {
        int status = Headers.status(headers);
        HttpResponseStatus s = HttpResponseStatus.valueOf(status == 0 ? 502 : status);
        if (endStream) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.EMPTY_BUFFER);
            copy(headers, response.headers());
            if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            }
            write(response, true);
            return;
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, s);
        copy(headers, response.headers());
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        ctx.write(response);
    }

    @Override
    public void responseData(ByteBuf data, boolean endStream) {
        write(endStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data), endStream);
    }

    @Override
    public void responseTrailers(Http2Headers trailers) {
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        copy(trailers, last.trailingHeaders());
        write(last, true);
    }

    private void write(Object msg, boolean last) {
        if (!last) {
            ctx.write(msg);
            return;
        }
        answering = false;
        ctx.write(msg).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void replyError(Status status, boolean sageMaker) {
        ByteBuf body = LocalReplies.errorBody(ctx.alloc(), status.message(), sageMaker);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status.code().httpStatus()), body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (status.code() == Code.UNAVAILABLE) {
            response.headers().setInt(HttpHeaderNames.RETRY_AFTER, LocalReplies.RETRY_AFTER_SECONDS);
        }
        write(response, true);
        ctx.flush();
    }

    @Override
    public void replyLocal(int httpStatus, CharSequence contentType, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(httpStatus), body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType).setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        write(response, true);
        ctx.flush();
    }

    @Override
    public void abort(Status status) {
        LOG.debug("closing a client connection mid-response: {}", status.message());
        answering = false;
        ctx.flush();
        ctx.close();
    }

    @Override
    public void setReadable(boolean readable) {
        backPressured = !readable;
        updateAutoRead();
    }

    @Override
    public void exchangeDone() {
        backPressured = false;
        answering = false;
        updateAutoRead();
    }

    /** Read while a request body is arriving, or when no response is outstanding; never while the upstream is full. */
    private void updateAutoRead() {
        boolean read = !backPressured && (reading || !answering);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void badRequestAndClose() {
        ByteBuf body = LocalReplies.errorBody(ctx.alloc(), "malformed HTTP request", false);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** The request line and headers as HTTP/2 headers: lower-case names, no hop-by-hop headers, Host as :authority. */
    static Http2Headers toHttp2(HttpRequest request) {
        HttpHeaders in = request.headers();
        Http2Headers out = new DefaultHttp2Headers(false, in.size() + 4);
        out.method(request.method().asciiName()).path(request.uri()).scheme(HTTP);
        String host = in.get(HttpHeaderNames.HOST);
        if (host != null) {
            out.authority(host);
        }
        String connection = in.get(HttpHeaderNames.CONNECTION);
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) in::iteratorCharSequence) {
            AsciiString name = AsciiString.of(e.getKey()).toLowerCase();
            if (HOP_BY_HOP.contains(name)) {
                if (name.contentEquals("te") && TRAILERS.contentEqualsIgnoreCase(e.getValue())) {
                    out.add(name, TRAILERS);
                }
                continue;
            }
            if (connection != null && listedIn(connection, name)) {
                continue;
            }
            out.add(name, e.getValue());
        }
        return out;
    }

    private static boolean listedIn(String connection, AsciiString name) {
        for (String token : connection.split(",")) {
            if (name.contentEqualsIgnoreCase(token.strip())) {
                return true;
            }
        }
        return false;
    }

    /** Copies HTTP/2 headers (not the pseudo-headers) into HTTP/1.1 ones. */
    private static void copy(Http2Headers from, HttpHeaders to) {
        for (Map.Entry<CharSequence, CharSequence> e : from) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) != ':') {
                to.add(name, e.getValue());
            }
        }
    }

    private static Http2Headers copy(HttpHeaders from, Http2Headers to) {
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) from::iteratorCharSequence) {
            to.add(AsciiString.of(e.getKey()).toLowerCase(), e.getValue());
        }
        return to;
    }
}
