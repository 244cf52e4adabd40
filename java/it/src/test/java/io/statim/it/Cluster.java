package io.statim.it;

import io.statim.model.onnx.TestModels;
import io.statim.router.Router;
import io.statim.router.RouterConfig;
import io.statim.router.Strategy;
import io.statim.router.UpstreamAddress;
import io.statim.router.upstream.Upstream;
import io.statim.server.ServerConfig;
import io.statim.server.StatimServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Several real Statim servers on loopback ports, all serving one temporary repository (simple,
 * variable_cost, session_document, accumulator), and a real router in front of them. Servers can be
 * stopped (the process's ports close, as when it dies) and the router replaced, so tests can kill
 * an upstream under load or restart the router.
 */
final class Cluster implements AutoCloseable {
    /** Session memory per server: a few test documents, not the 2 GiB default. */
    private static final long SESSION_MEMORY_BYTES = 64L << 20;
    /** The router's event loops. */
    static final int ROUTER_THREADS = 2;
    /**
     * The routers' health check timeout: long enough for a check of a server on a loaded machine (the default 500 ms
     * is tight on a small CI machine that runs every server of the test and the clients). Interval and thresholds are
     * the defaults.
     */
    static final long CHECK_TIMEOUT_MS = 2000;
    /** How long a test waits for what must happen soon: a bound on a hang, not a measure of speed. */
    static final Duration LIVENESS = Duration.ofSeconds(10);

    final Path repository;
    private final List<StatimServer> servers = new ArrayList<>();
    private final List<UpstreamAddress> addresses = new ArrayList<>();
    private final java.util.Set<Integer> killed = new java.util.HashSet<>();
    private Router router;
    final HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();

    private Cluster(Path repository) {
        this.repository = repository;
    }

    /** Starts {@code n} servers; no router yet. */
    static Cluster start(int n) {
        try {
            Path repo = Files.createTempDirectory("statim-it-repo");
            TestModels.writeSimple(repo);
            TestModels.writeVariableCost(repo);
            TestModels.writeSessionDocument(repo);
            TestModels.writeAccumulator(repo);
            Cluster c = new Cluster(repo);
            for (int i = 0; i < n; i++) {
                StatimServer s = StatimServer.start(ServerConfig.defaults(repo, 0).withAddress("127.0.0.1")
                        .withSessions(SESSION_MEMORY_BYTES, null));
                c.servers.add(s);
                c.addresses.add(new UpstreamAddress("127.0.0.1", s.httpPort(), s.grpcPort()));
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * (Re)starts the router with {@code strategy} and test-friendly health settings ({@link #CHECK_TIMEOUT_MS}), edited
     * by {@code edit}, and returns once every server that was not killed is in rotation.
     */
    Router route(Strategy strategy, UnaryOperator<RouterConfig.Builder> edit) {
        if (router != null) {
            router.close();
        }
        try {
            router = Router.start(edit.apply(RouterConfig.builder().address("127.0.0.1").ports(0, 0, 0).upstreams(addresses)
                    .strategy(strategy).threads(ROUTER_THREADS).healthChecks(RouterConfig.DEFAULT_HEALTH_INTERVAL_MS, CHECK_TIMEOUT_MS,
                            RouterConfig.DEFAULT_UNHEALTHY_THRESHOLD, RouterConfig.DEFAULT_HEALTHY_THRESHOLD)).build());
            awaitRotation(router, servers.size() - killed.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return router;
    }

    private static void awaitRotation(Router router, int n) throws InterruptedException {
        if (!router.awaitInRotation(n, LIVENESS)) {
            throw new AssertionError("not within " + LIVENESS + ": " + n + " servers in rotation; " + router.upstreams().rotation().length
                    + " are");
        }
    }

    Router route(Strategy strategy) {
        return route(strategy, b -> b);
    }

    Router router() {
        return router;
    }

    /** Closes the router (its ports close); the servers keep their sessions. */
    void stopRouter() {
        router.close();
        router = null;
    }

    StatimServer server(int i) {
        return servers.get(i);
    }

    int size() {
        return servers.size();
    }

    /** The router's view of server {@code i}. */
    Upstream upstream(int i) {
        return router.upstreams().find(addresses.get(i).key());
    }

    /** Which server has HTTP port {@code port}. */
    int indexOfKey(String key) {
        for (int i = 0; i < addresses.size(); i++) {
            if (addresses.get(i).key().equals(key)) {
                return i;
            }
        }
        throw new AssertionError("no server " + key);
    }

    /**
     * Stops server {@code i} as a dying process would: its ports close, its connections drop. When this returns they
     * have (and the rest of the server is closed).
     */
    void kill(int i) {
        if (killed.add(i)) {
            servers.get(i).close();
        }
    }

    /** How many inference requests server {@code i} has answered for {@code model} (its statistics). */
    long inferences(int i, String model) {
        return servers.get(i).models().served().stream().filter(m -> m.name().equals(model))
                .mapToLong(m -> m.statistics().snapshot().successCount()).sum();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + router.httpPort() + path);
    }

    HttpResponse<String> post(HttpClient client, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(client, b.build());
    }

    HttpResponse<String> get(HttpClient client, String path) {
        return send(client, HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (at most {@code limit}) until {@code condition} holds; fails naming {@code what}. */
    static void await(BooleanSupplier condition, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        if (router != null) {
            router.close();
        }
        for (int i = 0; i < servers.size(); i++) {
            kill(i);
        }
        http1.close();
        http2.close();
    }
}
