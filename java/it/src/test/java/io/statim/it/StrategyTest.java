package io.statim.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.StatimClient;
import io.statim.model.onnx.TestModels;
import io.statim.router.Router;
import io.statim.router.Strategy;
import io.statim.scheduler.ModelStatistics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RANDOM and LEAST_OUTSTANDING_REQUESTS over three real servers, measured by what each server answered. */
class StrategyTest {
    private static final Logger LOG = LoggerFactory.getLogger(StrategyTest.class);
    /** Requests sent through the router per strategy in the busy-server test, by {@link #SENDERS} threads that take them from one count. */
    private static final int REQUESTS = 600;
    private static final int SENDERS = 6;
    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static InferRequest simple() {
        int[] a = new int[16];
        int[] b = new int[16];
        for (int i = 0; i < 16; i++) {
            a[i] = i;
            b[i] = 1;
        }
        return InferRequest.builder(TestModels.SIMPLE).inputInts("INPUT0", new long[] {1, 16}, a).inputInts("INPUT1", new long[] {1, 16}, b).build();
    }

    static InferRequest variableCost(long repeat) {
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 1f);
        return InferRequest.builder(TestModels.VARIABLE_COST).inputFloats("INPUT0", new long[] {1, 16}, ones)
                .inputLongs("REPEAT", new long[] {1, 1}, repeat).build();
    }

    @Test
    void randomSpreadsRequestsEvenlyOverEveryWire() {
        Router router = cluster.route(Strategy.RANDOM);
        long[] before = new long[3];
        for (int i = 0; i < 3; i++) {
            before[i] = cluster.inferences(i, TestModels.SIMPLE);
        }
        int perWire = 200;
        try (StatimClient h2c = StatimClient.builder().h2c("127.0.0.1", router.httpPort()).encoding(Encoding.BINARY).maxAttempts(1).build();
             StatimClient http1 = StatimClient.builder().http1("127.0.0.1", router.httpPort()).encoding(Encoding.JSON).maxAttempts(1).build();
             StatimClient grpc = StatimClient.builder().grpc("127.0.0.1", router.grpcPort()).maxAttempts(1).build()) {
            for (StatimClient client : List.of(h2c, http1, grpc)) {
                for (int i = 0; i < perWire; i++) {
                    assertThat(client.infer(simple()).output("OUTPUT0").asInts()[15]).isEqualTo(16);
                }
            }
        }
        int total = 3 * perWire;
        for (int i = 0; i < 3; i++) {
            long served = cluster.inferences(i, TestModels.SIMPLE) - before[i];
            LOG.info("RANDOM: server {} answered {} of {}", i, served, total);
            // expected 200 each, standard deviation 11.5: 130..270 is six of them
            assertThat(served).as("server %d", i).isBetween((long) total / 3 - 70, (long) total / 3 + 70);
            awaitNothingInFlight(i);
        }
    }

    /**
     * Server 0 is kept busy by a client of its own (long variable_cost runs on its one instance), so
     * what the router sends it waits. Under load through the router, LEAST_OUTSTANDING_REQUESTS sends it
     * much less than its third; RANDOM sends it its third regardless, in the same test.
     */
    @Test
    void leastOutstandingRequestsAvoidsTheSlowUpstream() throws Exception {
        double randomShare = shareOfBusyServer(Strategy.RANDOM);
        double lorShare = shareOfBusyServer(Strategy.LEAST_OUTSTANDING_REQUESTS);
        LOG.info("share of the busy server: RANDOM {}, LEAST_OUTSTANDING_REQUESTS {}", randomShare, lorShare);
        // RANDOM: binomial over REQUESTS picks, expected 1/3, standard deviation 0.019: 0.2..0.45 is six of them
        assertThat(randomShare).isBetween(0.2, 0.45);
        assertThat(lorShare).isLessThan(randomShare / 2);
    }

    private double shareOfBusyServer(Strategy strategy) throws Exception {
        Router router = cluster.route(strategy);
        AtomicBoolean running = new AtomicBoolean(true);
        try (StatimClient direct = StatimClient.builder().h2c("127.0.0.1", cluster.server(0).httpPort()).maxAttempts(1).build();
             StatimClient routed = StatimClient.builder().h2c("127.0.0.1", router.httpPort()).maxAttempts(1)
                     .requestTimeout(Duration.ofSeconds(30)).build()) {
            Thread background = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    direct.infer(variableCost(20_000));
                }
            });
            // Server 0 is busy once its instance runs a background request: started (queued) and not yet computed.
            Cluster.await(() -> {
                ModelStatistics.Snapshot s = variableCostStatistics(0);
                return s.queueCount() > s.computeCount();
            }, Cluster.LIVENESS, "server 0 runs a background request");
            AtomicInteger left = new AtomicInteger(REQUESTS);
            AtomicInteger done = new AtomicInteger();
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < SENDERS; c++) {
                senders.add(Thread.ofPlatform().start(() -> {
                    while (left.getAndDecrement() > 0) {
                        routed.infer(variableCost(50));
                        done.incrementAndGet();
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            running.set(false);
            background.join();
            long toBusy = cluster.upstream(0).requests();
            long all = cluster.upstream(0).requests() + cluster.upstream(1).requests() + cluster.upstream(2).requests();
            LOG.info("{}: {} requests, {} to the busy server", strategy, all, toBusy);
            assertThat(done.get()).isEqualTo(REQUESTS);
            assertThat(all).isEqualTo(REQUESTS);
            return (double) toBusy / all;
        }
    }

    /** Server {@code i}'s statistics of variable_cost (the test repository holds one version). */
    private static ModelStatistics.Snapshot variableCostStatistics(int i) {
        return cluster.server(i).models().served().stream().filter(m -> m.name().equals(TestModels.VARIABLE_COST))
                .findFirst().orElseThrow().statistics().snapshot();
    }

    @Test
    void everyRequestOfAConcurrentLoadIsAnswered() {
        Router router = cluster.route(Strategy.LEAST_OUTSTANDING_REQUESTS);
        try (StatimClient h2c = StatimClient.builder().h2c("127.0.0.1", router.httpPort()).maxAttempts(1).build()) {
            h2c.infer(simple());   // the connection's settings are known before the burst
            for (int round = 0; round < 4; round++) {
                // within the router's 256 concurrent streams per connection
                List<CompletableFuture<?>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    calls.add(h2c.inferAsync(simple()));
                }
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            }
        }
        for (int i = 0; i < 3; i++) {
            awaitNothingInFlight(i);
        }
    }

    /** Every request through the router was answered: the router counts none in flight (polled: it counts on its own threads). */
    private static void awaitNothingInFlight(int server) {
        Cluster.await(() -> cluster.upstream(server).inFlight() == 0, Cluster.LIVENESS, "nothing in flight to server " + server);
    }
}
