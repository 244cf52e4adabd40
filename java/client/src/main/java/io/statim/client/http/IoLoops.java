package io.statim.client.http;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The client's I/O threads: one Netty event-loop group (epoll where the native transport loads, NIO
 * elsewhere) shared by every connection of one client, HTTP and gRPC alike. Daemon threads named
 * {@code statim-client-*}. Owned by the client that created it; {@link #close} shuts it down.
 */
public final class IoLoops implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;

    public IoLoops(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("ioThreads=" + threads + " must be >= 1");
        }
        epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("statim-client", true), factory);
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The socket channel type that matches the group. */
    public Class<? extends SocketChannel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
