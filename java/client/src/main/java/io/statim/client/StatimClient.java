package io.statim.client;

import io.statim.client.grpc.GrpcProtocol;
import io.statim.client.http.H2cTransport;
import io.statim.client.http.Http1Transport;
import io.statim.client.http.IoLoops;
import io.statim.client.oip.RestProtocol;
import io.statim.client.spi.ClientProtocol;
import io.statim.client.spi.ClientSettings;
import io.statim.client.spi.Futures;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A client for Statim and any Open Inference Protocol (KServe v2) server: inference, health, metadata,
 * statistics and model control over HTTP/1.1, cleartext HTTP/2 (h2c) or gRPC
 * ({@code inference.GRPCInferenceService}).
 *
 * <pre>{@code
 * try (StatimClient client = StatimClient.builder().h2c("localhost", 8000).encoding(Encoding.BINARY).build()) {
 *     InferResult result = client.infer(InferRequest.builder("simple")
 *             .inputInts("INPUT0", new long[] {1, 16}, a)
 *             .inputInts("INPUT1", new long[] {1, 16}, b)
 *             .build());
 *     int[] sum = result.output("OUTPUT0").asInts();
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Thread-safe: one client is meant to be shared by the whole application. It owns a
 * small group of Netty event-loop threads ({@code statim-client-*}, daemons) that do all I/O; the
 * futures of the {@code *Async} methods complete on them, so callbacks must not block (hand blocking
 * work to an executor with {@code thenApplyAsync(f, executor)}). The blocking methods wait on the
 * calling thread and must not be called from a callback.
 *
 * <p><b>Connections.</b> HTTP/1.1 keeps a pool of up to {@code maxConnections} keep-alive connections
 * per address, one request in flight on each; h2c multiplexes every request as a stream over one
 * connection (or {@code maxConnections}); gRPC uses one HTTP/2 connection. Connections open on first use
 * and are reopened after they close.
 *
 * <p><b>Failures and retries.</b> Every failure is a {@link StatimClientException} with the HTTP status or
 * gRPC code and the server's message. A request is sent again (up to {@code maxAttempts} in all) only
 * when it is known not to have reached the server — a refused connection, a refused HTTP/2 stream —
 * and never after the server answered (no 4xx or 5xx is ever resent) or after it may have received it.
 * With several addresses a retry goes to the next one.
 *
 * <p><b>Ownership.</b> The client owns its threads and connections until {@link #close}; requests and
 * results are immutable values the caller owns.
 */
public final class StatimClient implements AutoCloseable {
    private final Protocol protocol;
    private final Encoding encoding;
    private final IoLoops loops;
    private final List<ClientProtocol> targets;
    private final Attempts attempts;

    private StatimClient(Builder b) {
        protocol = b.protocol;
        encoding = b.encoding;
        ClientSettings settings = new ClientSettings(b.connectTimeout, b.requestTimeout, b.maxConnections, b.maxResponseBytes);
        loops = new IoLoops(b.ioThreads);
        List<ClientProtocol> created = new ArrayList<>();
        for (InetSocketAddress address : b.addresses) {
            created.add(switch (protocol) {
                case HTTP1 -> new RestProtocol(new Http1Transport(loops, address, settings), Protocol.HTTP1);
                case H2C -> new RestProtocol(new H2cTransport(loops, address, settings), Protocol.H2C);
                case GRPC -> new GrpcProtocol(loops, address, settings);
            });
        }
        targets = List.copyOf(created);
        attempts = new Attempts(targets, b.maxAttempts, b.retryBackoff, loops.group());
    }

    /** A builder; name the protocol and at least one address with {@code http1}, {@code h2c} or {@code grpc}. */
    public static Builder builder() {
        return new Builder();
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The encoding of REST inference requests. */
    public Encoding encoding() {
        return encoding;
    }

    /** Sends a request and waits for its result. */
    public InferResult infer(InferRequest request) {
        return await(inferAsync(request));
    }

    /** Sends a request; the future completes on an I/O thread. */
    public CompletableFuture<InferResult> inferAsync(InferRequest request) {
        return inferAsync(prepare(request));
    }

    /** Encodes a request once for sending many times with {@link #inferAsync(PreparedInfer)}. */
    public PreparedInfer prepare(InferRequest request) {
        return new PreparedInfer(this, targets.getFirst().prepare(request, encoding));
    }

    /** Sends a prepared request; the future completes on an I/O thread. */
    public CompletableFuture<InferResult> inferAsync(PreparedInfer request) {
        ClientProtocol.Prepared prepared = request.prepared(this);
        return attempts.run(p -> p.infer(prepared));
    }

    /** Sends a prepared request and waits for its result. */
    public InferResult infer(PreparedInfer request) {
        return await(inferAsync(request));
    }

    public ServerMetadata serverMetadata() {
        return call(ClientProtocol::serverMetadata);
    }

    /** True when the server answers its liveness probe positively. */
    public boolean isServerLive() {
        return call(ClientProtocol::serverLive);
    }

    /** True when the server and all its models are ready. */
    public boolean isServerReady() {
        return call(ClientProtocol::serverReady);
    }

    /** True when the latest version of the model is ready. */
    public boolean isModelReady(String model) {
        return isModelReady(model, "");
    }

    /** True when that version of the model is ready ({@code ""} for the latest). */
    public boolean isModelReady(String model, String version) {
        return call(p -> p.modelReady(model, version));
    }

    public ModelMetadata modelMetadata(String model) {
        return modelMetadata(model, "");
    }

    public ModelMetadata modelMetadata(String model, String version) {
        return call(p -> p.modelMetadata(model, version));
    }

    /** Statistics of every version of a model. */
    public List<ModelStatistics> modelStatistics(String model) {
        return await(modelStatisticsAsync(model, ""));
    }

    /** Statistics of every model ({@code model} empty) or of a model's version ({@code ""} for all versions). */
    public CompletableFuture<List<ModelStatistics>> modelStatisticsAsync(String model, String version) {
        return attempts.run(p -> p.modelStatistics(model, version));
    }

    /** The repository index: every model with its state (only the ready ones if asked). */
    public List<RepositoryModel> repositoryIndex(boolean readyOnly) {
        return call(p -> p.repositoryIndex(readyOnly));
    }

    /** Loads (or reloads) a model; needs a server in explicit model-control mode. */
    public void loadModel(String model) {
        call(p -> p.loadModel(model));
    }

    /** Unloads a model; needs a server in explicit model-control mode. */
    public void unloadModel(String model) {
        call(p -> p.unloadModel(model));
    }

    /** Connections open now over all addresses (diagnostics). */
    public int openConnections() {
        int n = 0;
        for (ClientProtocol t : targets) {
            n += t.openConnections();
        }
        return n;
    }

    /** Closes the connections and stops the I/O threads; calls in flight fail. */
    @Override
    public void close() {
        for (ClientProtocol t : targets) {
            t.close();
        }
        loops.close();
    }

    private <T> T call(Function<ClientProtocol, CompletableFuture<T>> call) {
        return await(attempts.run(call));
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (RuntimeException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof StatimClientException s) {
                throw s;
            }
            throw e;
        }
    }

    /**
     * Builds a {@link StatimClient}. Not thread-safe. Defaults: JSON encoding, 5 s connect timeout, 60 s
     * request timeout, 16 connections per address (HTTP/1.1; 1 for h2c), 2 attempts, 20 ms backoff,
     * 1 I/O thread per 2 cores (at least 1, at most 4), 256 MiB largest response.
     */
    public static final class Builder {
        private Protocol protocol;
        private final List<InetSocketAddress> addresses = new ArrayList<>();
        private Encoding encoding = Encoding.JSON;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private Integer maxConnections;
        private int maxAttempts = 2;
        private Duration retryBackoff = Duration.ofMillis(20);
        private int ioThreads = Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 1, 4);
        private int maxResponseBytes = 256 << 20;

        private Builder() {
        }

        /** OIP REST over HTTP/1.1 to {@code host:port}; call again to add fail-over addresses. */
        public Builder http1(String host, int port) {
            return address(Protocol.HTTP1, host, port);
        }

        /** OIP REST over cleartext HTTP/2 (prior knowledge) to {@code host:port}; call again to add fail-over addresses. */
        public Builder h2c(String host, int port) {
            return address(Protocol.H2C, host, port);
        }

        /** gRPC to {@code host:port}; call again to add fail-over addresses. */
        public Builder grpc(String host, int port) {
            return address(Protocol.GRPC, host, port);
        }

        private Builder address(Protocol p, String host, int port) {
            if (protocol != null && protocol != p) {
                throw new IllegalStateException("one client speaks one protocol: " + protocol + " was chosen before " + p);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port=" + port + " must be between 1 and 65535");
            }
            protocol = p;
            addresses.add(InetSocketAddress.createUnresolved(host, port));
            return this;
        }

        /** JSON (the default; any OIP server) or Triton's binary tensor extension, for REST inference. */
        public Builder encoding(Encoding encoding) {
            this.encoding = encoding;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long one call may take from sending to the whole answer; {@link Duration#ZERO} for no limit. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Connections per address: HTTP/1.1 requests in flight at most; streams are spread over them for h2c. */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        /** Tries per call in all (1 = never retry); only requests known not to have reached a server are retried. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts=" + attempts + " must be >= 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** Wait before retrying the same address (there is no wait before trying another one). */
        public Builder retryBackoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("retryBackoff=" + backoff + " must be >= 0");
            }
            this.retryBackoff = backoff;
            return this;
        }

        /** Event-loop threads doing the client's I/O. */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        public Builder maxResponseBytes(int bytes) {
            this.maxResponseBytes = bytes;
            return this;
        }

        /** Builds the client; connections open on first use. */
        public StatimClient build() {
            if (protocol == null) {
                throw new IllegalStateException("name the server: builder().http1(host, port), .h2c(host, port) or .grpc(host, port)");
            }
            if (maxConnections == null) {
                maxConnections = protocol == Protocol.HTTP1 ? 16 : 1;
            }
            return new StatimClient(this);
        }
    }
}
