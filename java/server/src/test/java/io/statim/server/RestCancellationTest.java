package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ServedModel;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A REST client that goes away while its request waits: the request is dropped and never runs. */
class RestCancellationTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start();
        TestModels.writeVariableCost(fixture.repository);
        fixture.server.models().load(TestModels.VARIABLE_COST);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void aQueuedRequestWhoseConnectionClosesNeverRuns() throws Exception {
        ServedModel model = fixture.server.models().resolve(TestModels.VARIABLE_COST, InferenceRequest.LATEST);
        long executionsBefore = model.statistics().snapshot().executionCount();
        CompletableFuture<HttpResponse<String>> slow = fixture.http1.sendAsync(HttpRequest.newBuilder(
                fixture.uri("/v2/models/variable_cost/infer")).POST(HttpRequest.BodyPublishers.ofString(Requests.variableCostJson(600_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        ServerFixture.await(() -> model.scheduler().queuedRequests() == 0 && !slow.isDone()
                && model.statistics().snapshot().queueCount() > 0, "the slow request runs");
        try (Socket socket = new Socket("127.0.0.1", fixture.server.httpPort())) {
            byte[] json = Requests.variableCostJson(1).getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/variable_cost/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            ServerFixture.await(() -> model.scheduler().queuedRequests() == 1, "the second request is queued");
        }
        ServerFixture.await(() -> model.statistics().snapshot().failures(FailureReason.CANCELED) == 1, "the closed connection cancels it");
        assertThat(model.scheduler().queuedRequests()).isZero();
        assertThat(slow.get().statusCode()).isEqualTo(200);
        assertThat(model.statistics().snapshot().executionCount()).isEqualTo(executionsBefore + 1);
        fixture.assertNoBuffersLeft();
    }
}
