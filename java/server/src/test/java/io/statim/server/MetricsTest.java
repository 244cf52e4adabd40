package io.statim.server;

import static io.statim.server.metrics.ScrapedText.model;
import static org.assertj.core.api.Assertions.assertThat;

import io.statim.server.metrics.ScrapedText;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Prometheus port of a real server, after real inferences. */
class MetricsTest {
    private static final String SIMPLE = model("simple", "1");
    private static final int INFERENCES = 3;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start();
        for (int i = 0; i < INFERENCES; i++) {
            HttpResponse<String> response = fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false));
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void servesPrometheusTextOnItsOwnPort() {
        HttpResponse<String> response = fixture.get(fixture.http1, fixture.metricsUri("/metrics"));

        assertThat(fixture.server.metricsPort()).isNotEqualTo(fixture.server.httpPort());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void aBadPercentEscapeIsA400NotABareClose() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fixture.server.metricsPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /metrics%zz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(12);
            assertThat(new String(head, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 400");
        }
    }

    @Test
    void countsSuccessfulInferences() {
        ScrapedText text = scrapeWhenSucceeded(INFERENCES);

        assertThat(text.value("statim_inference_count_total" + SIMPLE)).isEqualTo(INFERENCES);
        assertThat(text.value("statim_inference_exec_count_total" + SIMPLE)).isBetween(1.0, (double) INFERENCES);
        assertThat(text.value("statim_inference_request_latency_seconds_count" + SIMPLE)).isEqualTo(INFERENCES);
        assertThat(text.value("statim_inference_request_duration_us_total" + SIMPLE)).isPositive();
        assertThat(text.value("statim_inference_compute_infer_duration_us_total" + SIMPLE)).isPositive();
    }

    @Test
    void showsNoFailuresAndNothingPending() {
        ScrapedText text = scrapeWhenSucceeded(INFERENCES);

        for (String reason : new String[] {"REJECTED", "CANCELED", "BACKEND", "OTHER"}) {
            assertThat(text.value("statim_inference_request_failure_total{model=\"simple\",reason=\"" + reason + "\",version=\"1\"}"))
                    .as(reason).isZero();
        }
        assertThat(text.value("statim_inference_pending_request_count" + SIMPLE)).isZero();
    }

    @Test
    void reportsHostMemory() {
        ScrapedText text = scrapeWhenSucceeded(INFERENCES);

        assertThat(text.value("statim_device_memory_reserved_bytes{device=\"host\"}")).isPositive();
        assertThat(text.value("statim_device_memory_used_bytes{device=\"host\",use=\"staging\"}")).isNotNegative();
    }

    @Test
    void answersOtherPathsWith404() {
        HttpResponse<String> response = fixture.get(fixture.http1, fixture.metricsUri("/other"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("\"error\"");
    }

    @Test
    void answersOtherMethodsWith405() {
        HttpResponse<String> response = ServerFixture.send(fixture.http2,
                HttpRequest.newBuilder(fixture.metricsUri("/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(response.statusCode()).isEqualTo(405);
    }

    /**
     * Statistics are recorded just after the response is handed over, so a scrape may briefly lag it:
     * scrapes again, about every 5 ms (not in a hot loop, which would take a core from the server on a
     * 2-core machine), for up to 10 s.
     */
    private static ScrapedText scrapeWhenSucceeded(int successes) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            ScrapedText text = ScrapedText.of(fixture.get(fixture.http1, fixture.metricsUri("/metrics")).body());
            if (text.value("statim_inference_request_success_total" + SIMPLE) >= successes || System.nanoTime() - deadline > 0) {
                assertThat(text.value("statim_inference_request_success_total" + SIMPLE)).isEqualTo(successes);
                return text;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
