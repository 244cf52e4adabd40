package io.statim.server.cli;

import io.statim.router.Router;
import io.statim.router.RouterConfig;
import io.statim.router.Strategy;
import io.statim.router.UpstreamAddress;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code statim route}: a router in front of many Statim servers (module {@code java/router}). The
 * flags map one to one onto {@link RouterConfig}; defaults come from its constants.
 */
@Command(name = "route", mixinStandardHelpOptions = true,
        description = "Route requests over many Statim servers: RANDOM or LEAST_OUTSTANDING_REQUESTS, sticky sessions, health checks.")
public final class RouteCommand implements Callable<Integer> {
    @Option(names = "--upstream", paramLabel = "HOST:PORT[:GRPC_PORT]",
            description = "An upstream server: its HTTP port, and its gRPC port when the router serves gRPC; repeatable")
    List<String> upstreams = new ArrayList<>();

    @Option(names = "--upstream-dns", paramLabel = "NAME:PORT[:GRPC_PORT]",
            description = "A DNS name whose every address is an upstream with these ports, resolved again every --dns-refresh-ms; repeatable")
    List<String> dnsUpstreams = new ArrayList<>();

    @Option(names = "--strategy", defaultValue = "RANDOM",
            description = "RANDOM or LEAST_OUTSTANDING_REQUESTS (default: ${DEFAULT-VALUE})")
    Strategy strategy;

    @Option(names = "--http-address", defaultValue = "0.0.0.0", description = "Address of the router's ports (default: ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--http-port", defaultValue = "" + RouterConfig.DEFAULT_HTTP_PORT,
            description = "HTTP/1.1 and h2c front (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--grpc-port",
            description = "gRPC front (default: " + RouterConfig.DEFAULT_GRPC_PORT + " when the upstreams name their gRPC ports, else none)")
    Integer grpcPort;

    @Option(names = "--metrics-port", defaultValue = "" + RouterConfig.DEFAULT_METRICS_PORT,
            description = "Prometheus metrics at GET /metrics, JSON at GET /router/stats (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--threads", defaultValue = "0", description = "Event loops of the fronts (default: one per core)")
    int threads;

    @Option(names = "--health-interval-ms", defaultValue = "" + RouterConfig.DEFAULT_HEALTH_INTERVAL_MS,
            description = "Time between two GET /v2/health/ready checks of an upstream (default: ${DEFAULT-VALUE})")
    long healthIntervalMs;

    @Option(names = "--health-timeout-ms", defaultValue = "" + RouterConfig.DEFAULT_HEALTH_TIMEOUT_MS,
            description = "A check not answered this long fails (default: ${DEFAULT-VALUE})")
    long healthTimeoutMs;

    @Option(names = "--unhealthy-threshold", defaultValue = "" + RouterConfig.DEFAULT_UNHEALTHY_THRESHOLD,
            description = "Consecutive failed checks that take an upstream out of rotation (default: ${DEFAULT-VALUE})")
    int unhealthyThreshold;

    @Option(names = "--healthy-threshold", defaultValue = "" + RouterConfig.DEFAULT_HEALTHY_THRESHOLD,
            description = "Consecutive passed checks that bring it back (default: ${DEFAULT-VALUE})")
    int healthyThreshold;

    @Option(names = "--eject-after-failures", defaultValue = "" + RouterConfig.DEFAULT_EJECT_AFTER_FAILURES,
            description = "Consecutive failed requests (connect errors, resets, timeouts, 5xx but 503) that eject an upstream; 0: never (default: ${DEFAULT-VALUE})")
    int ejectAfterFailures;

    @Option(names = "--ejection-ms", defaultValue = "" + RouterConfig.DEFAULT_EJECTION_MS,
            description = "Length of a first ejection; the n-th in a row lasts n times as long, at most 10 (default: ${DEFAULT-VALUE})")
    long ejectionMs;

    @Option(names = "--connect-timeout-ms", defaultValue = "" + RouterConfig.DEFAULT_CONNECT_TIMEOUT_MS,
            description = "Connecting to an upstream longer than this fails (default: ${DEFAULT-VALUE})")
    long connectTimeoutMs;

    @Option(names = "--upstream-timeout-ms", defaultValue = "" + RouterConfig.DEFAULT_UPSTREAM_TIMEOUT_MS,
            description = "An HTTP request whose response has not started this long after it was sent gets 504 (default: ${DEFAULT-VALUE})")
    long upstreamTimeoutMs;

    @Option(names = "--max-buffered-bytes", defaultValue = "" + RouterConfig.DEFAULT_MAX_BUFFERED_BYTES,
            description = "Most bytes read ahead to place an infer request (its JSON part); larger JSON parts get 413 (default: ${DEFAULT-VALUE})")
    int maxBufferedBytes;

    @Option(names = "--dns-refresh-ms", defaultValue = "" + RouterConfig.DEFAULT_DNS_REFRESH_MS,
            description = "How often --upstream-dns names are resolved again (default: ${DEFAULT-VALUE})")
    long dnsRefreshMs;

    @Option(names = "--max-concurrent-streams", defaultValue = "" + RouterConfig.DEFAULT_MAX_CONCURRENT_STREAMS,
            description = "HTTP/2 streams (gRPC calls) per client connection (default: ${DEFAULT-VALUE})")
    int maxConcurrentStreams;

    @Override
    public Integer call() throws Exception {
        RouterConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            System.err.println("statim route: " + e.getMessage());
            return 2;
        }
        if (!config.dnsUpstreams().isEmpty() && Security.getProperty("networkaddress.cache.ttl") == null) {
            // The JVM caches names for 30 s by default; a refresh should see what DNS says now.
            Security.setProperty("networkaddress.cache.ttl", Long.toString(Math.max(1, dnsRefreshMs / 1000)));
        }
        Router router = Router.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            router.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    RouterConfig config() {
        List<UpstreamAddress> fixed = upstreams.stream().map(UpstreamAddress::parse).toList();
        List<UpstreamAddress> names = dnsUpstreams.stream().map(UpstreamAddress::parse).toList();
        int grpc;
        if (grpcPort != null) {
            grpc = grpcPort;
        } else {
            long withGrpc = java.util.stream.Stream.concat(fixed.stream(), names.stream()).filter(UpstreamAddress::hasGrpc).count();
            grpc = withGrpc == 0 ? RouterConfig.GRPC_OFF : RouterConfig.DEFAULT_GRPC_PORT;
        }
        RouterConfig.Builder b = RouterConfig.builder().address(address).ports(httpPort, grpc, metricsPort).upstreams(fixed)
                .strategy(strategy)
                .threads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors())
                .healthChecks(healthIntervalMs, healthTimeoutMs, unhealthyThreshold, healthyThreshold)
                .ejection(ejectAfterFailures, ejectionMs).connectTimeoutMs(connectTimeoutMs).upstreamTimeoutMs(upstreamTimeoutMs)
                .maxBufferedBytes(maxBufferedBytes).dnsRefreshMs(dnsRefreshMs).maxConcurrentStreams(maxConcurrentStreams);
        names.forEach(b::dnsUpstream);
        return b.build();
    }
}
