package io.statim.server.http;

import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2LocalFlowController;

/**
 * Raises an HTTP/2 connection's receive window from the protocol's 64 KiB to the size of a stream's
 * window: with the default, a client uploading a large request body (a document, an image) stops every
 * 64 KiB to wait for a WINDOW_UPDATE. Added right after the frame codec (prior knowledge and Upgrade
 * alike), whose preface (SETTINGS) has gone out by then; it sends one WINDOW_UPDATE for the connection
 * and removes itself.
 */
final class ConnectionWindow extends ChannelHandlerAdapter {
    private final Http2FrameCodec codec;
    private final int windowBytes;

    ConnectionWindow(Http2FrameCodec codec, int windowBytes) {
        this.codec = codec;
        this.windowBytes = windowBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        Http2Connection connection = codec.connection();
        Http2LocalFlowController flow = connection.local().flowController();
        int delta = windowBytes - flow.windowSize(connection.connectionStream());
        if (delta > 0) {
            flow.incrementWindowSize(connection.connectionStream(), delta);
            ctx.flush();
        }
        ctx.pipeline().remove(this);
    }
}
