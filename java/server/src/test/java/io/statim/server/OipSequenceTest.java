package io.statim.server;

import static io.statim.server.SessionRequests.accumulatorJson;
import static io.statim.server.SessionRequests.floats;
import static io.statim.server.SessionRequests.ints;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OIP sequences over REST: the parameters {@code sequence_id} (uint64 or string),
 * {@code sequence_start} and {@code sequence_end} on {@code accumulator}, whose OUTPUT is the running
 * sum of a sequence's inputs (implicit state) and whose CONTROLS echo START, END and READY.
 */
class OipSequenceTest {
    private static final String INFER = "/v2/models/accumulator/infer";
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.startWithSessions(c -> c);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @AfterEach
    void leavesNothingBehind() {
        fixture.assertSessionsClosed();
    }

    private static HttpResponse<String> add(String parameters, float value) {
        HttpResponse<String> response = fixture.postJson(fixture.http2, INFER, accumulatorJson(parameters, value));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    /** The running sums {@code sum * [1, 2, 3, 4]}, as accumulatorJson adds them. */
    private static float[] sums(float sum) {
        return new float[] {sum, 2 * sum, 3 * sum, 4 * sum};
    }

    @Test
    void interleavedSequencesKeepTheirOwnRunningSums() {
        String a = "\"sequence_id\":1001";
        String b = "\"sequence_id\":\"patient-b\"";

        HttpResponse<String> a1 = add("{" + a + ",\"sequence_start\":true}", 1);
        HttpResponse<String> b1 = add("{" + b + ",\"sequence_start\":true}", 10);
        HttpResponse<String> a2 = add("{" + a + "}", 2);
        HttpResponse<String> b2 = add("{" + b + "}", 20);
        HttpResponse<String> a3 = add("{" + a + ",\"sequence_end\":true}", 3);
        HttpResponse<String> b3 = add("{" + b + ",\"sequence_end\":true}", 30);

        assertThat(floats(a1.body(), "OUTPUT")).containsExactly(sums(1));
        assertThat(floats(b1.body(), "OUTPUT")).containsExactly(sums(10));
        assertThat(floats(a2.body(), "OUTPUT")).containsExactly(sums(3));
        assertThat(floats(b2.body(), "OUTPUT")).containsExactly(sums(30));
        assertThat(floats(a3.body(), "OUTPUT")).containsExactly(sums(6));
        assertThat(floats(b3.body(), "OUTPUT")).containsExactly(sums(60));
    }

    @Test
    void concurrentSequencesEachKeepTheirRunningSum() throws Exception {
        int sequences = 8;
        int steps = 5;
        try (ExecutorService clients = Executors.newFixedThreadPool(sequences)) {
            List<Future<float[]>> lastSums = new ArrayList<>();
            for (int s = 0; s < sequences; s++) {
                String id = "\"sequence_id\":" + (100 + s);
                float step = s + 1;
                lastSums.add(clients.submit(() -> {
                    HttpResponse<String> response = add("{" + id + ",\"sequence_start\":true}", step);
                    for (int i = 1; i < steps; i++) {
                        response = add("{" + id + (i == steps - 1 ? ",\"sequence_end\":true}" : "}"), step);
                    }
                    return floats(response.body(), "OUTPUT");
                }));
            }
            for (int s = 0; s < sequences; s++) {
                assertThat(lastSums.get(s).get(30, TimeUnit.SECONDS)).as("sequence %d", s).containsExactly(sums(steps * (s + 1f)));
            }
        }
    }

    @Test
    void controlsMarkTheStartAndTheEndOfASequence() {
        HttpResponse<String> first = add("{\"sequence_id\":7,\"sequence_start\":true}", 1);
        HttpResponse<String> middle = add("{\"sequence_id\":7}", 1);
        HttpResponse<String> last = add("{\"sequence_id\":7,\"sequence_end\":true}", 1);

        assertThat(ints(first.body(), "CONTROLS")).containsExactly(1, 0, 1);
        assertThat(ints(middle.body(), "CONTROLS")).containsExactly(0, 0, 1);
        assertThat(ints(last.body(), "CONTROLS")).containsExactly(0, 1, 1);
    }

    @Test
    void sequenceEndSaysWhichSessionClosed() {
        add("{\"sequence_id\":\"s-42\",\"sequence_start\":true}", 1);

        HttpResponse<String> last = add("{\"sequence_id\":\"s-42\",\"sequence_end\":true}", 1);

        assertThat(last.headers().firstValue("x-amzn-sagemaker-closed-session-id")).hasValue("s-42");
    }

    @Test
    void largestUint64SequenceIdIsOneSequence() {
        String id = "\"sequence_id\":18446744073709551615";

        add("{" + id + ",\"sequence_start\":true}", 1);
        HttpResponse<String> last = add("{" + id + ",\"sequence_end\":true}", 2);

        assertThat(floats(last.body(), "OUTPUT")).containsExactly(sums(3));
        assertThat(last.headers().firstValue("x-amzn-sagemaker-closed-session-id")).hasValue("18446744073709551615");
    }

    @Test
    void requestAfterTheSequenceEndedIs400() {
        add("{\"sequence_id\":8,\"sequence_start\":true,\"sequence_end\":true}", 1);

        HttpResponse<String> response = fixture.postJson(fixture.http1, INFER, accumulatorJson("{\"sequence_id\":8}", 1));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("session '8'").contains("was closed");
    }

    @Test
    void unknownSequenceIs400() {
        HttpResponse<String> response = fixture.postJson(fixture.http1, INFER, accumulatorJson("{\"sequence_id\":9}", 1));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("is unknown");
    }

    @Test
    void sequenceParametersForAModelWithoutSessionsAre400() {
        String simple = Requests.simpleJson(1, false).replaceFirst("\\{", "{\"parameters\":{\"sequence_id\":5,\"sequence_start\":true},");

        HttpResponse<String> response = fixture.postJson(fixture.http1, "/v2/models/simple/infer", simple);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("has no sessions");
    }

    @Test
    void malformedSequenceIdIs400() {
        HttpResponse<String> response = fixture.postJson(fixture.http1, INFER,
                accumulatorJson("{\"sequence_id\":\"not valid!\",\"sequence_start\":true}", 1));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("sequence_id");
    }
}
