package io.statim.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.statim.core.status.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front of one client HTTP/2 stream (h2c on the HTTP port, or a gRPC call on the gRPC port): its
 * frames go to one {@link Exchange}, the upstream's frames come back as they are (headers, data,
 * trailers), and the router's own errors are written in the stream's protocol. One instance per
 * stream, on the connection's event loop.
 */
final class H2Front extends ChannelInboundHandlerAdapter implements Front {
    private static final Logger LOG = LoggerFactory.getLogger(H2Front.class);

    private final RouterContext router;
    private final boolean grpc;
    private ChannelHandlerContext ctx;
    private Exchange exchange;

    H2Front(RouterContext router, boolean grpc) {
        this.router = router;
        this.grpc = grpc;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        switch (msg) {
            case Http2HeadersFrame h -> {
                if (exchange == null) {
                    exchange = new Exchange(router, this, router.slot(context.channel().eventLoop()), grpc, h.headers());
                    exchange.start(h.isEndStream());
                } else {
                    exchange.onRequestTrailers(h.headers());
                }
            }
            case Http2DataFrame d -> {
                if (exchange != null) {
                    exchange.onRequestData(d.content(), d.isEndStream());
                } else {
                    d.release();
                }
            }
            default -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (exchange != null) {
            exchange.flushRequest();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object evt) {
        if (evt instanceof Http2ResetFrame && exchange != null) {
            exchange.onFrontClosed();
        }
        ReferenceCountUtil.release(evt);
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
        LOG.debug("client stream failed: {}", cause.toString());
        context.close();
    }

    @Override
    public void responseHeaders(Http2Headers headers, boolean endStream) {
        ctx.write(new DefaultHttp2HeadersFrame(headers, endStream));
    }

    @Override
    public void responseData(ByteBuf data, boolean endStream) {
        ctx.write(new DefaultHttp2DataFrame(data, endStream));
    }

    @Override
    public void responseTrailers(Http2Headers trailers) {
        ctx.write(new DefaultHttp2HeadersFrame(trailers, true));
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
        if (grpc) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(LocalReplies.grpcTrailersOnly(status), true));
            return;
        }
        ByteBuf body = LocalReplies.errorBody(ctx.alloc(), status.message(), sageMaker);
        ctx.write(new DefaultHttp2HeadersFrame(LocalReplies.httpErrorHeaders(status, body.readableBytes()), false));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
    }

    @Override
    public void replyLocal(int httpStatus, CharSequence contentType, ByteBuf body) {
        Http2Headers h = new DefaultHttp2Headers(false).status(Integer.toString(httpStatus))
                .set(LocalReplies.CONTENT_TYPE, contentType).setInt(LocalReplies.CONTENT_LENGTH, body.readableBytes());
        boolean empty = !body.isReadable();
        ctx.write(new DefaultHttp2HeadersFrame(h, empty));
        if (empty) {
            body.release();
            ctx.flush();
        } else {
            ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
        }
    }

    @Override
    public void abort(Status status) {
        if (grpc) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(LocalReplies.grpcTrailers(status), true));
        } else {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        }
    }

    @Override
    public void setReadable(boolean readable) {
        ctx.channel().config().setAutoRead(readable);
    }

    @Override
    public void exchangeDone() {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);   // drain (and drop) the rest of a body the exchange no longer wants
        }
    }
}
