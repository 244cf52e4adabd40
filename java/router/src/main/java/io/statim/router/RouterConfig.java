package io.statim.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@code statim route} is configured with, validated in one place. Units are in the names.
 * Build one with {@link #builder()}; every field has the default of its {@code DEFAULT_} constant.
 *
 * @param address            address the router's ports bind to
 * @param httpPort           HTTP/1.1 and h2c front; 0 picks a free port
 * @param grpcPort           gRPC front (h2c), proxied per stream to each upstream's gRPC port; 0 picks a free port,
 *                           {@link #GRPC_OFF} serves none. Needs every upstream to name its gRPC port
 * @param metricsPort        Prometheus text at {@code GET /metrics} and JSON at {@code GET /router/stats}; 0 picks a free port
 * @param upstreams          static upstreams
 * @param dnsUpstreams       names resolved every {@code dnsRefreshMs}; every address found is an upstream with these ports
 * @param strategy           how requests without a session are placed
 * @param threads            event loops of the fronts; each holds its own HTTP/2 connections to every upstream
 * @param healthIntervalMs   time between two active checks ({@code GET /v2/health/ready}) of an upstream
 * @param healthTimeoutMs    a check unanswered (or a connection not made) this long fails
 * @param unhealthyThreshold consecutive failed checks that take an upstream out of rotation
 * @param healthyThreshold   consecutive passed checks that bring it back
 * @param ejectAfterFailures consecutive failed requests (connect errors, resets, timeouts, 5xx but 503) that eject an
 *                           upstream; 0 turns passive ejection off
 * @param ejectionMs         how long the first ejection lasts; the n-th ejection in a row lasts n times as long (at most
 *                           10); an ejected upstream comes back once that time has passed and its checks pass
 * @param connectTimeoutMs   connecting to an upstream longer than this fails (and the request is placed once more)
 * @param upstreamTimeoutMs  an HTTP request whose response has not started this long after it was sent is answered 504;
 *                           gRPC calls are bounded by their own deadlines instead
 * @param maxBufferedBytes   the most the router buffers of a body it must read to route it (the JSON part of an infer
 *                           request, the head of a gRPC infer message); larger JSON parts get 413
 * @param dnsRefreshMs       how often {@code dnsUpstreams} are resolved again
 * @param maxConcurrentStreams HTTP/2 streams per front connection
 */
public record RouterConfig(String address, int httpPort, int grpcPort, int metricsPort, List<UpstreamAddress> upstreams,
        List<UpstreamAddress> dnsUpstreams, Strategy strategy, int threads, long healthIntervalMs, long healthTimeoutMs,
        int unhealthyThreshold, int healthyThreshold, int ejectAfterFailures, long ejectionMs, long connectTimeoutMs,
        long upstreamTimeoutMs, int maxBufferedBytes, long dnsRefreshMs, int maxConcurrentStreams) {

    public static final int DEFAULT_HTTP_PORT = 8000;
    public static final int DEFAULT_GRPC_PORT = 8001;
    public static final int DEFAULT_METRICS_PORT = 8002;
    /** The value of {@code grpcPort} that serves no gRPC front. */
    public static final int GRPC_OFF = -1;
    public static final long DEFAULT_HEALTH_INTERVAL_MS = 500;
    /** As long as the interval: a hung upstream fails two checks (and leaves rotation) within about a second. */
    public static final long DEFAULT_HEALTH_TIMEOUT_MS = 500;
    /** Two failed checks: a dead upstream is out within about one interval after it died (and a second check). */
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 2;
    public static final int DEFAULT_HEALTHY_THRESHOLD = 1;
    public static final int DEFAULT_EJECT_AFTER_FAILURES = 5;
    public static final long DEFAULT_EJECTION_MS = 2000;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 1000;
    /** One minute: a long text model run on a loaded CPU stays well inside it. */
    public static final long DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;
    /** 64 MiB, the server's own body limit. */
    public static final int DEFAULT_MAX_BUFFERED_BYTES = 64 << 20;
    public static final long DEFAULT_DNS_REFRESH_MS = 5000;
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 256;

    public RouterConfig {
        upstreams = List.copyOf(upstreams);
        dnsUpstreams = List.copyOf(dnsUpstreams);
        if (upstreams.isEmpty() && dnsUpstreams.isEmpty()) {
            throw new IllegalArgumentException("no upstream: give --upstream host:port (repeatable) or --upstream-dns name:port");
        }
        checkPort("http-port", httpPort);
        checkPort("metrics-port", metricsPort);
        if (grpcPort != GRPC_OFF) {
            checkPort("grpc-port", grpcPort);
            for (UpstreamAddress u : upstreams) {
                requireGrpc(u);
            }
            for (UpstreamAddress u : dnsUpstreams) {
                requireGrpc(u);
            }
        }
        if (strategy == null) {
            throw new IllegalArgumentException("strategy must be RANDOM or LEAST_OUTSTANDING_REQUESTS");
        }
        atLeast("threads", threads, 1);
        atLeast("health-interval-ms", healthIntervalMs, 1);
        atLeast("health-timeout-ms", healthTimeoutMs, 1);
        atLeast("unhealthy-threshold", unhealthyThreshold, 1);
        atLeast("healthy-threshold", healthyThreshold, 1);
        atLeast("eject-after-failures", ejectAfterFailures, 0);
        atLeast("ejection-ms", ejectionMs, 0);
        atLeast("connect-timeout-ms", connectTimeoutMs, 1);
        atLeast("upstream-timeout-ms", upstreamTimeoutMs, 1);
        atLeast("max-buffered-bytes", maxBufferedBytes, 1);
        atLeast("dns-refresh-ms", dnsRefreshMs, 1);
        atLeast("max-concurrent-streams", maxConcurrentStreams, 1);
    }

    /** True when the router serves a gRPC front. */
    public boolean grpcEnabled() {
        return grpcPort != GRPC_OFF;
    }

    /** A builder with every default: address {@code 0.0.0.0}, the default ports, no upstream yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.address = address;
        b.httpPort = httpPort;
        b.grpcPort = grpcPort;
        b.metricsPort = metricsPort;
        b.upstreams.addAll(upstreams);
        b.dnsUpstreams.addAll(dnsUpstreams);
        b.strategy = strategy;
        b.threads = threads;
        b.healthIntervalMs = healthIntervalMs;
        b.healthTimeoutMs = healthTimeoutMs;
        b.unhealthyThreshold = unhealthyThreshold;
        b.healthyThreshold = healthyThreshold;
        b.ejectAfterFailures = ejectAfterFailures;
        b.ejectionMs = ejectionMs;
        b.connectTimeoutMs = connectTimeoutMs;
        b.upstreamTimeoutMs = upstreamTimeoutMs;
        b.maxBufferedBytes = maxBufferedBytes;
        b.dnsRefreshMs = dnsRefreshMs;
        b.maxConcurrentStreams = maxConcurrentStreams;
        return b;
    }

    private static void requireGrpc(UpstreamAddress u) {
        if (!u.hasGrpc()) {
            throw new IllegalArgumentException("upstream " + u + " names no gRPC port: write it host:httpPort:grpcPort, or serve no gRPC front");
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + "=" + port + " must be between 0 and 65535");
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + "=" + value + " must be >= " + min);
        }
    }

    /** Collects a {@link RouterConfig}; {@link #build} validates it. Not thread-safe. */
    public static final class Builder {
        private String address = "0.0.0.0";
        private int httpPort = DEFAULT_HTTP_PORT;
        private int grpcPort = DEFAULT_GRPC_PORT;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private final List<UpstreamAddress> upstreams = new ArrayList<>();
        private final List<UpstreamAddress> dnsUpstreams = new ArrayList<>();
        private Strategy strategy = Strategy.RANDOM;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private long healthIntervalMs = DEFAULT_HEALTH_INTERVAL_MS;
        private long healthTimeoutMs = DEFAULT_HEALTH_TIMEOUT_MS;
        private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
        private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
        private int ejectAfterFailures = DEFAULT_EJECT_AFTER_FAILURES;
        private long ejectionMs = DEFAULT_EJECTION_MS;
        private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
        private long upstreamTimeoutMs = DEFAULT_UPSTREAM_TIMEOUT_MS;
        private int maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        private long dnsRefreshMs = DEFAULT_DNS_REFRESH_MS;
        private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;

        private Builder() {
        }

        public Builder address(String value) {
            address = value;
            return this;
        }

        /** The HTTP, gRPC ({@link #GRPC_OFF} for none) and metrics ports; 0 picks free ones. */
        public Builder ports(int http, int grpc, int metrics) {
            httpPort = http;
            grpcPort = grpc;
            metricsPort = metrics;
            return this;
        }

        public Builder upstream(UpstreamAddress value) {
            upstreams.add(value);
            return this;
        }

        public Builder upstreams(List<UpstreamAddress> values) {
            upstreams.clear();
            upstreams.addAll(values);
            return this;
        }

        public Builder dnsUpstream(UpstreamAddress value) {
            dnsUpstreams.add(value);
            return this;
        }

        public Builder strategy(Strategy value) {
            strategy = value;
            return this;
        }

        public Builder threads(int value) {
            threads = value;
            return this;
        }

        /** Active checks: interval, timeout, and the consecutive results that flip the state. */
        public Builder healthChecks(long intervalMs, long timeoutMs, int unhealthy, int healthy) {
            healthIntervalMs = intervalMs;
            healthTimeoutMs = timeoutMs;
            unhealthyThreshold = unhealthy;
            healthyThreshold = healthy;
            return this;
        }

        /** Passive ejection: after {@code failures} consecutive failed requests, for {@code ms} (0 failures: never). */
        public Builder ejection(int failures, long ms) {
            ejectAfterFailures = failures;
            ejectionMs = ms;
            return this;
        }

        public Builder connectTimeoutMs(long value) {
            connectTimeoutMs = value;
            return this;
        }

        public Builder upstreamTimeoutMs(long value) {
            upstreamTimeoutMs = value;
            return this;
        }

        public Builder maxBufferedBytes(int value) {
            maxBufferedBytes = value;
            return this;
        }

        public Builder dnsRefreshMs(long value) {
            dnsRefreshMs = value;
            return this;
        }

        public Builder maxConcurrentStreams(int value) {
            maxConcurrentStreams = value;
            return this;
        }

        public RouterConfig build() {
            return new RouterConfig(address, httpPort, grpcPort, metricsPort, upstreams, dnsUpstreams, strategy, threads,
                    healthIntervalMs, healthTimeoutMs, unhealthyThreshold, healthyThreshold, ejectAfterFailures, ejectionMs,
                    connectTimeoutMs, upstreamTimeoutMs, maxBufferedBytes, dnsRefreshMs, maxConcurrentStreams);
        }
    }
}
