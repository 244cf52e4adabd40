package io.statim.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.statim.server.NettyTransport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server of the REST API, on the platform's {@link NettyTransport}.
 * {@link #start} binds, {@link #close} stops accepting and closes every connection.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final EventLoopGroup boss;
    /** Every open client connection, closed explicitly at {@link #close}: shutting the event loops down was seen to leave one open. */
    private final ChannelGroup connections;
    private final EventLoopGroup workers;
    private final Channel channel;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel, ChannelGroup connections) {
        this.boss = boss;
        this.connections = connections;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * Binds the port and starts serving.
     *
     * @param threads     event-loop threads for connections
     * @param idleSeconds close connections idle this long with no request in flight (0: never)
     * @param audit       write an audit line per request ({@link io.statim.server.audit.AuditLog})
     */
    public static HttpServer start(String address, int port, int threads, ChannelHandler handler, int maxBodyBytes,
            int maxConcurrentStreams, int idleSeconds, boolean audit) throws InterruptedException {
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        IoHandlerFactory io = NettyTransport.ioHandlerFactory();
        Class<? extends ServerChannel> channelType = NettyTransport.serverChannel();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, io);
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new HttpChannelInitializer(handler, maxBodyBytes, maxConcurrentStreams, idleSeconds, audit, connections))
                    .bind(new InetSocketAddress(address, port)).sync().channel();
            LOG.info("HTTP/1.1 and h2c on {} ({})", channel.localAddress(), NettyTransport.name());
            return new HttpServer(boss, workers, channel, connections);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The port bound, useful when 0 was asked for. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        // Clients (a router, a load balancer) see every connection end now, also one whose request was in flight.
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
