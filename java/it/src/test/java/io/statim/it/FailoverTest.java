package io.statim.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.InferRequest;
import io.statim.client.StatimClient;
import io.statim.client.StatimClientException;
import io.statim.model.onnx.TestModels;
import io.statim.router.Router;
import io.statim.router.Strategy;
import io.statim.router.session.RoutedSessionIds;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

    @Test
    void anUpstreamKilledUnderLoadLosesNoRequestSilently() throws Exception {
        cluster = Cluster.start(4);
        Router router = cluster.route(Strategy.RANDOM, b -> b);   // the default health settings
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
        AtomicLong lastErrorNanos = new AtomicLong();
        long start = System.nanoTime();
        long killAt = start + Duration.ofMillis(1000).toNanos();
        long until = start + Duration.ofMillis(4000).toNanos();
        long[] servedBeforeKill = new long[4];
        try (StatimClient h2c = StatimClient.builder().h2c("127.0.0.1", router.httpPort()).maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(20)).build()) {
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                senders.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < until) {
                        sent.incrementAndGet();
                        try {
                            h2c.infer(simple());
                            ok.incrementAndGet();
                        } catch (StatimClientException e) {
                            errors.computeIfAbsent(e.label() + " " + e.httpStatus(), k -> new AtomicInteger()).incrementAndGet();
                            lastErrorNanos.set(System.nanoTime());
                        }
                    }
                }));
            }
            while (System.nanoTime() < killAt) {
                Thread.sleep(5);
            }
            for (int i = 0; i < 4; i++) {
                servedBeforeKill[i] = cluster.inferences(i, TestModels.SIMPLE);
            }
            long killed = System.nanoTime();
            cluster.kill(3);
            Cluster.await(() -> !cluster.upstream(3).inRotation(), Duration.ofSeconds(2), "the killed server leaves rotation");
            long outAfterMs = (System.nanoTime() - killed) / 1_000_000;
            for (Thread t : senders) {
                t.join();
            }
            LOG.info("sent {}, ok {}, errors {}; the killed server left rotation after {} ms; retries {}", sent, ok, errors, outAfterMs,
                    router.counters().retries());
            assertThat(ok.get() + errors.values().stream().mapToInt(AtomicInteger::get).sum()).as("every request ended").isEqualTo(sent.get());
            assertThat(outAfterMs).isLessThan(2000);
            int failed = sent.get() - ok.get();
            assertThat(failed).as("only requests in flight on the killed server fail: " + errors).isLessThanOrEqualTo(8);
            if (failed > 0) {
                assertThat(lastErrorNanos.get()).as("no error after the server left rotation").isLessThan(killed + Duration.ofMillis(outAfterMs + 100).toNanos());
            }
            for (int i = 0; i < 3; i++) {
                assertThat(cluster.inferences(i, TestModels.SIMPLE)).as("server %d keeps serving", i).isGreaterThan(servedBeforeKill[i] + 50);
                assertThat(cluster.upstream(i).inFlight()).isZero();
            }
            assertThat(cluster.upstream(3).inFlight()).isZero();
        }
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
        Cluster.await(() -> !cluster.upstream(1).inRotation(), Duration.ofSeconds(2), "the killed server leaves rotation");
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
        Cluster.await(() -> router.upstreams().rotation().length == 0, Duration.ofSeconds(2), "the rotation empties");
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
