package io.statim.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An idle upstream connection sends HTTP/2 PINGs, so that the upstream's idle timeout does not close it. */
class UpstreamKeepAliveTest {
    private static final int PING = 0x6;

    @Test
    void anIdleConnectionPingsItsUpstream() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .remoteAddress(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
            UpstreamConnection connection = new UpstreamConnection(bootstrap, () -> { }, 1);
            CompletableFuture<Http2StreamChannel> opened = open(group.next(), connection);
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(20_000);
                opened.get(10, TimeUnit.SECONDS);
                List<Integer> types = framesUntilPing(new DataInputStream(upstream.getInputStream()));
                assertThat(types).as("frames from the router's connection").endsWith(PING);
            }
            group.next().submit(connection::close).get(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Skips the client preface, then reads frame headers (skipping payloads) until a PING. */
    private static List<Integer> framesUntilPing(DataInputStream in) throws IOException {
        in.skipNBytes(24);
        List<Integer> types = new ArrayList<>();
        byte[] header = new byte[9];
        while (true) {
            in.readFully(header);
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            types.add(type);
            in.skipNBytes(length);
            if (type == PING) {
                return types;
            }
        }
    }

    /** A real HTTP/2 upstream acknowledges the PINGs; the ACKs pass the router's pipeline harmlessly. */
    @Test
    void pingAcksFromARealHttp2UpstreamLeaveTheConnectionUsable() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AtomicInteger pings = new AtomicInteger();
        AtomicBoolean lost = new AtomicBoolean();
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Http2PingFrame p && !p.ack()) {
                                                pings.incrementAndGet();
                                            }
                                            ReferenceCountUtil.release(msg);
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            io.netty.channel.EventLoop loop = group.next();
            Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class).remoteAddress(server.localAddress());
            UpstreamConnection connection = new UpstreamConnection(bootstrap, () -> lost.set(true), 1);
            open(loop, connection).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pings.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(pings.get()).as("pings the upstream got (each acknowledged)").isGreaterThanOrEqualTo(3);
            assertThat(lost).as("the connection was never lost").isFalse();
            Http2StreamChannel second = open(loop, connection).get(10, TimeUnit.SECONDS);
            assertThat(second.parent().isActive()).isTrue();
            loop.submit(connection::close).get(5, TimeUnit.SECONDS);
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<Http2StreamChannel> open(io.netty.channel.EventLoop loop, UpstreamConnection connection) {
        CompletableFuture<Http2StreamChannel> opened = new CompletableFuture<>();
        loop.execute(() -> connection.openStream(new ChannelInboundHandlerAdapter(), new UpstreamConnection.StreamListener() {
            @Override
            public void streamOpened(Http2StreamChannel stream) {
                opened.complete(stream);
            }

            @Override
            public void streamFailed(Throwable cause) {
                opened.completeExceptionally(cause);
            }
        }));
        return opened;
    }
}
