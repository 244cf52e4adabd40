package io.statim.router.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake upstream for the router's own tests: h2c with prior knowledge on a loopback port, answering
 * by path. {@code GET /v2/health/ready}: 200 while {@link #ready}; {@code /echo} (and any infer or invocations path): 200 with a JSON body
 * naming this upstream, the session header it got and the body bytes it read (and, for
 * {@code NEW_SESSION}, a New-Session-Id header); {@code /hang}: never answers; {@code /reset}: resets
 * the stream; {@code /half}: sends half a body and closes the connection; {@code /status/N}: status N.
 */
final class StubUpstream implements AutoCloseable {
    final String name;
    final AtomicBoolean ready = new AtomicBoolean(true);
    /** While set, nothing is answered (health checks included) and connections stay open: a hung process. */
    final AtomicBoolean hung = new AtomicBoolean();
    /** While set, {@code /echo} answers 500 (a broken model), health checks still pass. */
    final AtomicBoolean failing = new AtomicBoolean();
    final AtomicInteger echoes = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicInteger sessions = new AtomicInteger();
    private final Channel server;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final int port;
    private boolean closed;

    StubUpstream(String name) throws InterruptedException {
        this(name, 0);
    }

    private StubUpstream(String name, int port) throws InterruptedException {
        this.name = name;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Http2MultiplexHandler(
                                new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StubStream());
                                    }
                                }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class StubStream extends ChannelInboundHandlerAdapter {
        private Http2Headers request;
        private int bytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    if (request == null) {
                        request = h.headers();
                    }
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    bytes += d.content().readableBytes();
                    end = d.isEndStream();
                }
                if (end) {
                    answer(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            if (hung.get()) {
                return;
            }
            String path = request.path().toString();
            if (path.equals("/v2/health/ready")) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(ready.get() ? "200" : "400"), true));
            } else if (path.startsWith("/echo") || path.endsWith("/infer") || path.endsWith("/invocations")) {
                echoes.incrementAndGet();
                if (failing.get()) {
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("500").setInt("content-length", 0), true));
                    return;
                }
                CharSequence session = request.get("x-amzn-sagemaker-session-id");
                Http2Headers h = new DefaultHttp2Headers().status("200").set("content-type", "application/json");
                if (session != null && session.toString().equals("NEW_SESSION")) {
                    h.set("x-amzn-sagemaker-new-session-id", name + "-s" + sessions.incrementAndGet() + "; Expires=2031-01-01T00:00:00Z");
                } else if (session != null && request.get("x-close") != null) {
                    h.set("x-amzn-sagemaker-closed-session-id", session);
                }
                ByteBuf body = Unpooled.copiedBuffer("{\"upstream\":\"" + name + "\",\"session\":\"" + session + "\",\"bytes\":" + bytes + "}",
                        StandardCharsets.UTF_8);
                h.setInt("content-length", body.readableBytes());
                ctx.write(new DefaultHttp2HeadersFrame(h, false));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
            } else if (path.equals("/hang")) {
                return;
            } else if (path.equals("/reset")) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
            } else if (path.equals("/half")) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200").setInt("content-length", 100), false));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[50]), false))
                        .addListener(f -> ctx.channel().parent().close());
            } else if (path.startsWith("/status/")) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(path.substring(8)).setInt("content-length", 0), true));
            } else {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("404").setInt("content-length", 0), true));
            }
        }
    }
}
