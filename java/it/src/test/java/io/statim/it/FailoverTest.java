package io.statim.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.InferRequest;
import io.statim.client.StatimClient;
import io.statim.client.StatimClientException;
import io.statim.model.onnx.TestModels;
import io.statim.router.Router;
import io.statim.router.RouterConfig;
import io.statim.router.Strategy;
import io.statim.router.session.RoutedSessionIds;
import io.statim.router.upstream.FailureKind;
import io.statim.router.upstream.Upstream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Servers that die under the router: no request is lost silently, the rest keep serving, sessions fail clearly. */
class FailoverTest {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverTest.class);
    private Cluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static InferRequest simple() {
        int[] a = new int[16];
        java.util.Arrays.fill(a, 1);
        return InferRequest.builder(TestModels.SIMPLE).inputInts("INPUT0", new long[] {1, 16}, a).inputInts("INPUT1", new long[] {1, 16}, a).build();
    }

    /**
     * Eight clients load four servers through the router; server 3 dies. What is checked is what the router and the
     * servers record, not when things happened (which depends on how the threads are scheduled): every request ends
     * with an answer; the errors are the failures the router recorded on the dead server, and none on the others;
     * once out of rotation it is sent nothing more; the others keep serving.
     */
    @Test
    void anUpstreamKilledUnderLoadLosesNoRequestSilently() throws Exception {
        cluster = Cluster.start(4);
        // the default health settings: a dead server's port refuses at once, so no check waits for its timeout
        Router router = cluster.route(Strategy.RANDOM, b -> b.healthChecks(RouterConfig.DEFAULT_HEALTH_INTERVAL_MS,
                RouterConfig.DEFAULT_HEALTH_TIMEOUT_MS, RouterConfig.DEFAULT_UNHEALTHY_THRESHOLD, RouterConfig.DEFAULT_HEALTHY_THRESHOLD));
        int senderCount = 8;
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
        try (StatimClient h2c = StatimClient.builder().h2c("127.0.0.1", router.httpPort()).maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(20)).build()) {
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < senderCount; c++) {
                senders.add(Thread.ofPlatform().start(() -> {
                    while (sending.get()) {
                        sent.incrementAndGet();
                        try {
                            h2c.infer(simple());
                            ok.incrementAndGet();
                        } catch (StatimClientException e) {
                            errors.computeIfAbsent(e.label() + " " + e.httpStatus(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                }));
            }
            Upstream dying = cluster.upstream(3);
            long killing;
            long portsClosed;
            long out;
            long placedWhileInRotation;
            try {
                Cluster.await(() -> IntStream.range(0, 4).allMatch(i -> cluster.inferences(i, TestModels.SIMPLE) >= 20), Duration.ofSeconds(30),
                        "every server serves the load");
                killing = System.nanoTime();
                cluster.kill(3);
                portsClosed = System.nanoTime();
                // Out of the published rotation, not only marked out: from here each event loop may still place at most
                // the one request whose decision read the rotation before it changed.
                Cluster.await(() -> !List.of(router.upstreams().rotation()).contains(dying), Cluster.LIVENESS, "the killed server leaves rotation");
                out = System.nanoTime();
                placedWhileInRotation = dying.requests();
                long[] servedWhenOut = new long[3];
                for (int i = 0; i < 3; i++) {
                    servedWhenOut[i] = cluster.inferences(i, TestModels.SIMPLE);
                }
                Cluster.await(() -> IntStream.range(0, 3).allMatch(i -> cluster.inferences(i, TestModels.SIMPLE) >= servedWhenOut[i] + 50),
                        Duration.ofSeconds(30), "the other servers keep serving");
            } finally {
                sending.set(false);
                for (Thread t : senders) {
                    t.join();
                }
            }
            long outAfterMs = (out - portsClosed) / 1_000_000;
            for (int i = 0; i < 4; i++) {
                int server = i;
                Cluster.await(() -> cluster.upstream(server).inFlight() == 0, Cluster.LIVENESS, "nothing in flight to server " + server);
            }
            int failed = sent.get() - ok.get();
            long answeredFailures = failures(dying, FailureKind.RESET, FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.STATUS_5XX);
            LOG.info("sent {}, ok {}, errors {}; kill took {} ms; the killed server left rotation {} ms after its ports closed; "
                    + "requests placed on it {} ({} after), its failures: {} answered as errors, {} connect (placed again); retries {}",
                    sent, ok, errors, (portsClosed - killing) / 1_000_000, outAfterMs, placedWhileInRotation,
                    dying.requests() - placedWhileInRotation, answeredFailures, dying.failures(FailureKind.CONNECT), router.counters().retries());

            assertThat(ok.get() + errors.values().stream().mapToInt(AtomicInteger::get).sum()).as("every request ended").isEqualTo(sent.get());
            assertThat(dying.requests() - placedWhileInRotation).as("requests placed on the killed server after it left rotation")
                    .isLessThanOrEqualTo(Cluster.ROUTER_THREADS);
            assertThat((long) failed).as("the errors clients saw are the failures the router recorded on the killed server, "
                    + "its connect failures aside (placed again): " + errors).isEqualTo(answeredFailures);
            // One request per client in flight when the server died, and a few re-sent before the router saw every one
            // of its connections close.
            assertThat(failed).as("only requests that met the dying server fail: " + errors).isLessThanOrEqualTo(3 * senderCount);
            for (int i = 0; i < 3; i++) {
                assertThat(failures(cluster.upstream(i), FailureKind.values())).as("failures of server %d", i).isZero();
            }
        }
    }

    private static long failures(Upstream u, FailureKind... kinds) {
        long n = 0;
        for (FailureKind k : kinds) {
            n += u.failures(k);
        }
        return n;
    }

    @Test
    void aSessionWhoseServerDiedIsAClear400AndTheOthersGoOn() {
        cluster = Cluster.start(2);
        cluster.route(Strategy.RANDOM);
        List<String> ids = new ArrayList<>();
        while (ids.stream().map(id -> RoutedSessionIds.decode(id).upstreamKey()).distinct().count() < 2) {
            HttpResponse<String> r = cluster.post(cluster.http1, "/invocations", Bodies.NEW_SESSION, "X-Amzn-SageMaker-Target-Model",
                    TestModels.SESSION_DOCUMENT, "X-Amzn-SageMaker-Session-Id", "NEW_SESSION");
            ids.add(r.headers().firstValue("X-Amzn-SageMaker-New-Session-Id").orElseThrow().split(";")[0]);
        }
        String dead = ids.stream().filter(id -> cluster.indexOfKey(RoutedSessionIds.decode(id).upstreamKey()) == 1).findFirst().orElseThrow();
        String alive = ids.stream().filter(id -> cluster.indexOfKey(RoutedSessionIds.decode(id).upstreamKey()) == 0).findFirst().orElseThrow();
        cluster.kill(1);
        Cluster.await(() -> !cluster.upstream(1).inRotation(), Cluster.LIVENESS, "the killed server leaves rotation");
        HttpResponse<String> gone = cluster.post(cluster.http2, "/invocations", Bodies.question(0, true, 0, 0), "X-Amzn-SageMaker-Target-Model",
                TestModels.SESSION_DOCUMENT, "X-Amzn-SageMaker-Session-Id", dead);
        assertThat(gone.statusCode()).isEqualTo(400);
        assertThat(gone.body()).contains("belongs to upstream " + RoutedSessionIds.decode(dead).upstreamKey()).contains("out of rotation");
        HttpResponse<String> fine = cluster.post(cluster.http2, "/invocations", Bodies.question(0, true, 0, 0), "X-Amzn-SageMaker-Target-Model",
                TestModels.SESSION_DOCUMENT, "X-Amzn-SageMaker-Session-Id", alive);
        assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            assertThat(cluster.post(cluster.http1, "/invocations", Bodies.NEW_SESSION, "X-Amzn-SageMaker-Target-Model",
                    TestModels.SESSION_DOCUMENT, "X-Amzn-SageMaker-Session-Id", "NEW_SESSION").headers()
                    .firstValue("X-Amzn-SageMaker-New-Session-Id").orElseThrow()).as("new sessions go to the living server")
                    .startsWith(alive.substring(0, alive.indexOf('-') + 1));
        }
    }

    @Test
    void answers503WhenEveryServerIsGone() {
        cluster = Cluster.start(1);
        Router router = cluster.route(Strategy.LEAST_OUTSTANDING_REQUESTS);
        cluster.kill(0);
        Cluster.await(() -> router.upstreams().rotation().length == 0, Cluster.LIVENESS, "the rotation empties");
        HttpResponse<String> r = cluster.post(cluster.http1, "/v2/models/simple/infer", "{}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        try (StatimClient grpc = StatimClient.builder().grpc("127.0.0.1", router.grpcPort()).maxAttempts(1).build()) {
            StatimClientException e = org.junit.jupiter.api.Assertions.assertThrows(StatimClientException.class, () -> grpc.infer(simple()));
            assertThat(e.grpcCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
            assertThat(e.serverMessage()).contains("no upstream is in rotation");
        }
    }
}
