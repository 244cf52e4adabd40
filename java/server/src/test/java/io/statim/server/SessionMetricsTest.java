package io.statim.server;

import static io.statim.server.SessionRequests.CLOSE_BODY;
import static io.statim.server.SessionRequests.NEW_SESSION_BODY;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.server.metrics.ScrapedText;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The session families on the Prometheus port of a real server, after sessions opened and closed over HTTP. */
class SessionMetricsTest {
    private static final String SESSION = "X-Amzn-SageMaker-Session-Id";
    private static final String DOCUMENT = "{model=\"session_document\"}";
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.startWithSessions(c -> c.withSessions(ServerConfig.DEFAULT_SESSION_MEMORY_BYTES, "session_document"));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static ScrapedText scrape() {
        return ScrapedText.of(fixture.get(fixture.http1, fixture.metricsUri("/metrics")).body());
    }

    private static String open() {
        HttpResponse<String> response = fixture.postJson(fixture.http1, "/invocations", NEW_SESSION_BODY, SESSION, "NEW_SESSION");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.headers().firstValue("x-amzn-sagemaker-new-session-id").orElseThrow().split(";")[0];
    }

    private static void close(String id) {
        assertThat(fixture.postJson(fixture.http1, "/invocations", CLOSE_BODY, SESSION, id).statusCode()).isEqualTo(200);
    }

    @Test
    void countsOpenedAndClosedSessionsAndShowsTheMemoryTheyHold() {
        ScrapedText before = scrape();
        String id = open();
        HttpResponse<String> cached = fixture.postJson(fixture.http1, "/invocations",
                SessionRequests.documentJson(true, 0, null, 0), SESSION, id);
        assertThat(cached.statusCode()).isEqualTo(200);

        ScrapedText whileOpen = scrape();
        close(id);
        ScrapedText after = scrape();

        assertThat(whileOpen.value("statim_sessions_open" + DOCUMENT)).isEqualTo(1);
        assertThat(whileOpen.value("statim_device_memory_used_bytes{device=\"host\",use=\"session_cache\"}"))
                .isGreaterThanOrEqualTo(SessionRequests.DOCUMENT_ROWS * SessionRequests.WIDTH * Float.BYTES);
        assertThat(after.value("statim_sessions_opened_total" + DOCUMENT) - before.value("statim_sessions_opened_total" + DOCUMENT))
                .isEqualTo(1);
        String closed = "statim_sessions_ended_total{model=\"session_document\",reason=\"closed\"}";
        assertThat(after.value(closed) - before.value(closed)).isEqualTo(1);
        assertThat(after.value("statim_sessions_open" + DOCUMENT)).isZero();
        assertThat(after.value("statim_device_memory_used_bytes{device=\"host\",use=\"session_cache\"}")).isZero();
        assertThat(after.value("statim_device_memory_budget_bytes{device=\"host\",use=\"session_cache\"}"))
                .isEqualTo(ServerConfig.DEFAULT_SESSION_MEMORY_BYTES);
    }

    @Test
    void labelsEveryWayASessionCanEnd() {
        close(open());   // a session of the model, so that its counters exist whatever runs first
        ScrapedText text = scrape();

        for (String reason : new String[] {"closed", "expired", "evicted", "unloaded"}) {
            assertThat(text.hasLineStartingWith("statim_sessions_ended_total{model=\"session_document\",reason=\"" + reason + "\"}"))
                    .as(reason).isTrue();
        }
    }
}
