package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** curl, an HTTP client not written here, over HTTP/1.1, h2c with prior knowledge and h2c by upgrade. */
class CurlTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed at /usr/bin/curl; skipping the curl tests");
        fixture = ServerFixture.start();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Runs curl; returns its stdout, whose last line is the HTTP version and status curl saw. */
    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/curl", "-s", "-S", "--max-time", "10", "-w", "\n%{http_version} %{http_code}"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void servesInferenceOverHttp11() throws Exception {
        String out = curl("-H", "Content-Type: application/json", "-d", Requests.simpleJson(1, false),
                fixture.uri("/v2/models/simple/infer").toString());
        assertThat(out).contains("\"model_name\":\"simple\"").endsWith("1.1 200");
    }

    @Test
    void servesInferenceOverH2cWithPriorKnowledge() throws Exception {
        String out = curl("--http2-prior-knowledge", "-d", Requests.simpleJson(1, false), fixture.uri("/v2/models/simple/infer").toString());
        assertThat(out).contains("\"OUTPUT0\"").endsWith("2 200");
    }

    @Test
    void upgradesToH2c() throws Exception {
        String out = curl("--http2", fixture.uri("/v2/health/ready").toString());
        assertThat(out).endsWith("2 200");
    }

    @Test
    void upgradesToH2cOnARequestWithABody() throws Exception {
        String out = curl("--http2", "-d", Requests.simpleJson(1, false), fixture.uri("/v2/models/simple/infer").toString());
        assertThat(out).contains("\"OUTPUT1\"").endsWith(" 200");
    }
}
