package io.statim.server.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.protocol.ModelControl;
import io.statim.server.NettyTransport;
import io.statim.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC front end: {@code inference.GRPCInferenceService} and {@code grpc.health.v1.Health} on
 * grpc-java's Netty transport, with event loops of its own on the platform's {@link NettyTransport}.
 * Calls run on those event loops (a direct executor: the service never blocks them). Messages over
 * {@code --max-body-bytes} are refused with RESOURCE_EXHAUSTED, and a connection carries at most
 * {@code --max-concurrent-streams} calls at once.
 *
 * <p>Health: SERVING, for the server ({@code ""}) and for the inference service, while every model
 * asked for is ready; checked at start and after every load or unload; NOT_SERVING once closing.
 *
 * <p>{@link #start} and {@link #close} are called by the server's lifecycle thread.
 */
public final class GrpcServer implements AutoCloseable {
    /** Client pings this often are welcome, also on connections without calls (the router's keep-alive). */
    static final long KEEPALIVE_PERMIT_SECONDS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
    private static final long SHUTDOWN_GRACE_SECONDS = 2;

    private final Server server;
    private final HealthStatusManager health;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private GrpcServer(Server server, HealthStatusManager health, EventLoopGroup boss, EventLoopGroup workers) {
        this.server = server;
        this.health = health;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Binds {@code --grpc-port} on {@code --http-address} (0 = any free port) and starts serving.
     *
     * @param service the inference service
     * @param ready   whether every model asked for is ready, for the health service
     * @param control reports loads and unloads, after which health is checked again
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static GrpcServer start(ServerConfig config, BindableService service, BooleanSupplier ready, ModelControl control) {
        HealthStatusManager health = new HealthStatusManager();
        Runnable checkHealth = () -> {
            ServingStatus status = ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
            health.setStatus(GRPCInferenceServiceGrpc.SERVICE_NAME, status);
        };
        checkHealth.run();
        control.addChangeListener(checkHealth);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlerFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.httpThreads(), NettyTransport.ioHandlerFactory());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.httpAddress(), config.grpcPort()))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelType(NettyTransport.serverChannel())
                .directExecutor()
                .maxInboundMessageSize((int) config.maxBodyBytes())
                .maxConcurrentCallsPerConnection(config.maxConcurrentStreams())
                .maxConnectionIdle(config.idleTimeoutSeconds() == 0 ? Long.MAX_VALUE : config.idleTimeoutSeconds(), TimeUnit.SECONDS)
                // statim route pings idle upstream connections every 60 s; grpc-java's default (5 min, and
                // never without calls) would answer that with GOAWAY too_many_pings.
                .permitKeepAliveTime(KEEPALIVE_PERMIT_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(config.auditLog() ? ServerInterceptors.intercept(service, new GrpcAudit()) : service.bindService())
                .addService(health.getHealthService())
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            shutdown(boss, workers);
            throw e instanceof IOException io ? new UncheckedIOException("gRPC port " + config.grpcPort() + ": " + io.getMessage(), io)
                    : (RuntimeException) e;
        }
        LOG.info("gRPC on {} ({})", server.getListenSockets(), NettyTransport.name());
        return new GrpcServer(server, health, boss, workers);
    }

    /** The port bound, useful when 0 was asked for. */
    public int port() {
        return server.getPort();
    }

    /** Reports NOT_SERVING, stops taking calls, gives running calls a moment, then closes every connection. */
    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        shutdown(boss, workers);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
