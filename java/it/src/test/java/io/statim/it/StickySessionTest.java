package io.statim.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.StatimClient;
import io.statim.model.onnx.TestModels;
import io.statim.router.Router;
import io.statim.router.Strategy;
import io.statim.router.session.RoutedSessionIds;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions through the router over three real servers: a session's state lives on one server only,
 * so a request routed anywhere else would be answered 400 (unknown session) or with a wrong sum.
 */
class StickySessionTest {
    private static final String TARGET = "X-Amzn-SageMaker-Target-Model";
    private static final String SESSION = "X-Amzn-SageMaker-Session-Id";
    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String open(HttpClient client) {
        HttpResponse<String> r = cluster.post(client, "/invocations", Bodies.NEW_SESSION, TARGET, TestModels.SESSION_DOCUMENT, SESSION, "NEW_SESSION");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String header = r.headers().firstValue("X-Amzn-SageMaker-New-Session-Id").orElseThrow();
        assertThat(header).matches("^[a-zA-Z0-9](-*[a-zA-Z0-9])*;\\sExpires=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$");
        return header.substring(0, header.indexOf(';'));
    }

    @Test
    void sageMakerSessionsStayOnTheServerThatOpenedThem() {
        cluster.route(Strategy.RANDOM);
        int sessions = 24;
        List<String> ids = new ArrayList<>();
        Set<String> servers = new HashSet<>();
        for (int s = 0; s < sessions; s++) {
            String id = open(s % 2 == 0 ? cluster.http1 : cluster.http2);
            ids.add(id);
            servers.add(RoutedSessionIds.decode(id).upstreamKey());
        }
        assertThat(servers).as("NEW_SESSION is placed by the strategy").hasSize(3);
        for (int q = 0; q < 4; q++) {
            for (int s = 0; s < sessions; s++) {   // interleaved: every session asks before any asks again
                int row = (s + q) % Bodies.DOCUMENT_ROWS;
                HttpResponse<String> r = cluster.post(q % 2 == 0 ? cluster.http2 : cluster.http1, "/invocations",
                        Bodies.question(s, q == 0, q, row), TARGET, TestModels.SESSION_DOCUMENT, SESSION, ids.get(s));
                assertThat(r.statusCode()).as("session %d question %d: %s", s, q, r.body()).isEqualTo(200);
                assertThat(Bodies.floats(r.body(), "SCORES")).containsExactly(Bodies.score(s, row, q));
            }
        }
        for (int s = 0; s < sessions; s++) {
            HttpResponse<String> r = cluster.post(cluster.http1, "/invocations", Bodies.CLOSE, TARGET, TestModels.SESSION_DOCUMENT, SESSION, ids.get(s));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Amzn-SageMaker-Closed-Session-Id")).hasValue(ids.get(s));
        }
        for (int i = 0; i < cluster.size(); i++) {
            assertThat(cluster.server(i).sessions().openSessions()).isZero();
        }
    }

    @Test
    void oipSequencesStayOnTheirServerOverRest() {
        cluster.route(Strategy.LEAST_OUTSTANDING_REQUESTS);
        int sequences = 30;
        for (int step = 0; step < 4; step++) {
            for (int seq = 1; seq <= sequences; seq++) {
                long id = 1000L + seq;
                String params = step == 0 ? "{\"sequence_id\":" + id + ",\"sequence_start\":true}"
                        : step == 3 ? "{\"sequence_id\":" + id + ",\"sequence_end\":true}" : "{\"sequence_id\":" + id + "}";
                HttpResponse<String> r = cluster.post(seq % 2 == 0 ? cluster.http1 : cluster.http2, "/v2/models/accumulator/infer",
                        Bodies.accumulate(params, seq));
                assertThat(r.statusCode()).as("sequence %d step %d: %s", id, step, r.body()).isEqualTo(200);
                float sum = seq * (step + 1);
                assertThat(Bodies.floats(r.body(), "OUTPUT")).containsExactly(sum, 2 * sum, 3 * sum, 4 * sum);
            }
        }
        long[] sequencesPerServer = new long[3];
        for (int seq = 1; seq <= sequences; seq++) {
            sequencesPerServer[cluster.indexOfKey(cluster.router().upstreams().owner(Long.toString(1000L + seq)).key())]++;
        }
        assertThat(sequencesPerServer).as("rendezvous hashing spreads the sequences").doesNotContain(0L);
    }

    @Test
    void oipSequencesStayOnTheirServerOverGrpc() {
        Router router = cluster.route(Strategy.RANDOM);
        try (StatimClient grpc = StatimClient.builder().grpc("127.0.0.1", router.grpcPort()).maxAttempts(1).build()) {
            for (int step = 0; step < 3; step++) {
                for (int seq = 0; seq < 12; seq++) {
                    InferRequest.Builder b = InferRequest.builder(TestModels.ACCUMULATOR)
                            .inputFloats("INPUT", new long[] {1, 4}, seq, seq, seq, seq).parameter("sequence_id", "visit-" + seq);
                    if (step == 0) {
                        b.parameter("sequence_start", true);
                    } else if (step == 2) {
                        b.parameter("sequence_end", true);
                    }
                    InferResult r = grpc.infer(b.output("OUTPUT").build());
                    assertThat(r.output("OUTPUT").asFloats()).as("sequence %d step %d", seq, step).containsOnly((float) seq * (step + 1));
                }
            }
        }
    }

    @Test
    void refusesSessionIdsItDidNotIssue() {
        cluster.route(Strategy.RANDOM);
        HttpResponse<String> r = cluster.post(cluster.http1, "/invocations", Bodies.question(0, false, 0, 0),
                TARGET, TestModels.SESSION_DOCUMENT, SESSION, "4f1c2a9e0b7d6c5e4f3a2b1c0d9e8f7a");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("was not issued by this router").contains("\"message\"");
    }

    @Test
    void aRestartedRouterRoutesTheSessionsOfTheOldOne() {
        cluster.route(Strategy.RANDOM);
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < 9; s++) {
            String id = open(cluster.http1);
            ids.add(id);
            HttpResponse<String> r = cluster.post(cluster.http1, "/invocations", Bodies.question(s, true, 0, 1), TARGET,
                    TestModels.SESSION_DOCUMENT, SESSION, id);
            assertThat(r.statusCode()).isEqualTo(200);
            HttpResponse<String> seq = cluster.post(cluster.http1, "/v2/models/accumulator/infer",
                    Bodies.accumulate("{\"sequence_id\":" + (7000 + s) + ",\"sequence_start\":true}", 1));
            assertThat(seq.statusCode()).isEqualTo(200);
        }
        int oldPort = cluster.router().httpPort();
        cluster.stopRouter();
        Router fresh = cluster.route(Strategy.LEAST_OUTSTANDING_REQUESTS);
        assertThat(fresh.httpPort()).isNotEqualTo(oldPort);
        for (int s = 0; s < 9; s++) {
            HttpResponse<String> r = cluster.post(cluster.http2, "/invocations", Bodies.question(s, false, 2, 3), TARGET,
                    TestModels.SESSION_DOCUMENT, SESSION, ids.get(s));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Bodies.floats(r.body(), "SCORES")).containsExactly(Bodies.score(s, 3, 2));
            HttpResponse<String> seq = cluster.post(cluster.http2, "/v2/models/accumulator/infer",
                    Bodies.accumulate("{\"sequence_id\":" + (7000 + s) + ",\"sequence_end\":true}", 1));
            assertThat(Bodies.floats(seq.body(), "OUTPUT")).containsExactly(2f, 4f, 6f, 8f);
            assertThat(cluster.post(cluster.http2, "/invocations", Bodies.CLOSE, TARGET, TestModels.SESSION_DOCUMENT, SESSION, ids.get(s))
                    .statusCode()).isEqualTo(200);
        }
    }
}
