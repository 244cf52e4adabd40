package io.statim.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client connection that has had no traffic either way for the idle timeout and has no
 * request in flight, so that connections opened and left (or a request trickled in too slowly to
 * finish) do not hold the server's sockets and memory for ever. A request in flight is never cut
 * off, however long its model runs: an HTTP/1.1 connection is busy while its request is answered
 * (reading is off then, see {@link HttpConnections}); an HTTP/2 connection while it has an open
 * stream, and it is ended with a GOAWAY rather than a bare close.
 *
 * <p>Installed first in each connection's pipeline, after an {@link IdleStateHandler}. One per
 * connection; its event loop only.
 */
final class IdleConnections extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(IdleConnections.class);

    private IdleConnections() {
    }

    /** The two handlers to put first in a connection's pipeline; none when {@code idleSeconds} is 0. */
    static io.netty.channel.ChannelHandler[] handlers(int idleSeconds) {
        if (idleSeconds == 0) {
            return new io.netty.channel.ChannelHandler[0];
        }
        return new io.netty.channel.ChannelHandler[] {new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS), new IdleConnections()};
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        Http2FrameCodec http2 = ctx.pipeline().get(Http2FrameCodec.class);
        if (http2 != null) {
            if (!answering(http2)) {
                LOG.debug("closing idle HTTP/2 connection from {}", ctx.channel().remoteAddress());
                // Streams still open here are uploads that stalled for the whole timeout: no grace for them.
                http2.gracefulShutdownTimeoutMillis(0);
                ctx.channel().close(); // from the tail, through the frame codec, which sends GOAWAY first
            }
        } else if (ctx.channel().config().isAutoRead()) {
            LOG.debug("closing idle HTTP/1.1 connection from {}", ctx.channel().remoteAddress());
            ctx.channel().close();
        }
    }

    /**
     * Whether a stream's request has fully arrived and is not yet answered (half-closed remote). A stream
     * still open both ways is a request whose body is still coming: like a trickled HTTP/1.1 body, it
     * does not keep an idle connection (it would for ever if the client just stopped sending).
     */
    private static boolean answering(Http2FrameCodec http2) {
        boolean[] answering = {false};
        try {
            http2.connection().forEachActiveStream(stream -> {
                if (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE) {
                    answering[0] = true;
                    return false;
                }
                return true;
            });
        } catch (Http2Exception e) {
            return true;
        }
        return answering[0];
    }
}
