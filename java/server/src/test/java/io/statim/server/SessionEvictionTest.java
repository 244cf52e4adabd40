package io.statim.server;

import static io.statim.server.SessionRequests.documentJson;
import static io.statim.server.SessionRequests.floats;
import static io.statim.server.SessionRequests.score;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.scheduler.session.SessionEnd;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code --session-memory-bytes} over HTTP: a full budget evicts the least recently used idle session. */
class SessionEvictionTest {
    private static final String SESSION = "X-Amzn-SageMaker-Session-Id";
    /** One cached document (4 rows of 256 FP32 = 4096 bytes) fits, two do not. */
    private static final long BUDGET_BYTES = 6000;

    @Test
    void sessionEvictedForAnotherIs400SayingSo() {
        try (ServerFixture fixture = ServerFixture.startWithSessions(c -> c.withSessions(BUDGET_BYTES, "session_document"))) {
            String a = open(fixture, documentJson(true, 0, null, 0));
            String b = open(fixture, documentJson(true, 0, null, 1));

            HttpResponse<String> evicted = fixture.postJson(fixture.http1, "/invocations", documentJson(false, 0, null, 0), SESSION, a);
            HttpResponse<String> kept = fixture.postJson(fixture.http1, "/invocations", documentJson(false, 1, "{\"sequence_end\":true}", 3),
                    SESSION, b);

            assertThat(evicted.statusCode()).isEqualTo(400);
            assertThat(evicted.body()).contains("session '" + a + "'").contains("was evicted");
            assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
            assertThat(floats(kept.body(), "SCORES")).containsExactly(score(3, 1));
            assertThat(fixture.server.sessions().counters("session_document").endedTotal(SessionEnd.EVICTED)).isEqualTo(1);
            fixture.assertSessionsClosed();
        }
    }

    /** Opens a session with its first request and returns the id. */
    private static String open(ServerFixture fixture, String body) {
        HttpResponse<String> response = fixture.postJson(fixture.http1, "/invocations", body, SESSION, "NEW_SESSION");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("x-amzn-sagemaker-new-session-id").orElseThrow().split(";")[0];
    }
}
