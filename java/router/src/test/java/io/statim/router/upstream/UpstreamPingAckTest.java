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
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Review: a real HTTP/2 upstream acknowledges the keep-alive PINGs; the ACKs pass the router's pipeline harmlessly. */
class UpstreamPingAckTest {
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
