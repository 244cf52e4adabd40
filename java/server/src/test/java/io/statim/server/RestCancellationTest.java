package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A REST client that goes away while its request waits: the request is dropped and never runs.
 *
 * <p>The request is held in the queue without racing a clock: variable_cost is served here with a
 * dynamic batcher that waits {@link ServerFixture#HOLD_US} for a batch to fill, so a one-row request
 * stays queued until the test sends a request that fills a batch alone.
 */
class RestCancellationTest {
    /** variable_cost's max_batch_size: a request of this many rows fills a batch alone and runs at once. */
    private static final int FULL = 8;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start();
        Path model = TestModels.writeVariableCost(fixture.repository);
        Files.writeString(model.resolve("config.pbtxt"), Files.readString(model.resolve("config.pbtxt"))
                + "dynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }\n");
        fixture.server.models().load(TestModels.VARIABLE_COST);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void aQueuedRequestWhoseConnectionClosesNeverRuns() throws Exception {
        ServedModel model = fixture.server.models().resolve(TestModels.VARIABLE_COST, InferenceRequest.LATEST);
        ModelStatistics.Snapshot before = model.statistics().snapshot();
        try (Socket socket = new Socket("127.0.0.1", fixture.server.httpPort())) {
            byte[] json = Requests.variableCostJson(1).getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/variable_cost/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            ServerFixture.await(() -> model.scheduler().queuedRequests() == 1, "the request is queued");
        }
        ServerFixture.await(() -> model.statistics().snapshot().failures(FailureReason.CANCELED) == before.failures(FailureReason.CANCELED) + 1,
                "the closed connection cancels it");
        assertThat(model.scheduler().queuedRequests()).isZero();
        // A request that fills a batch alone: the dropped one, had it stayed queued, would run first,
        // in a batch of its own (the two do not fit in one).
        HttpResponse<String> full = fixture.postJson(fixture.http1, "/v2/models/variable_cost/infer", Requests.variableCostJson(FULL, 1, ""));
        assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
        ModelStatistics.Snapshot after = model.statistics().snapshot();
        assertThat(after.executionCount()).as("executions").isEqualTo(before.executionCount() + 1);
        assertThat(after.inferenceCount()).as("rows executed").isEqualTo(before.inferenceCount() + FULL);
        fixture.assertNoBuffersLeft();
    }
}
