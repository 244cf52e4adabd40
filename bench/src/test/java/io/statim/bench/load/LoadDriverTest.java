package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import io.statim.model.onnx.TestModels;
import io.statim.server.ServerConfig;
import io.statim.server.StatimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoadDriverTest {
    private static StatimServer server;
    private static StatimClient client;
    private static PreparedInfer[] inputs;

    @BeforeAll
    static void start() throws Exception {
        Path repo = Files.createTempDirectory("loadgen-test");
        TestModels.writeSimple(repo);
        server = StatimServer.start(ServerConfig.defaults(repo, 0).withAddress("127.0.0.1"));
        client = StatimClient.builder().h2c("127.0.0.1", server.httpPort()).maxAttempts(1).build();
        inputs = RandomInputs.requests(client.modelMetadata("simple"), 1, 3, 0, 7).stream().map(client::prepare)
                .toArray(PreparedInfer[]::new);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void keepsMoreSlotsBusyThanThereAreDistinctInputs() {
        WindowRecorder recorder = new WindowRecorder();
        ClosedLoop loop = new ClosedLoop(client, inputs, recorder, 8);

        loop.start();
        sleepMillis(300);
        loop.stop(Duration.ofSeconds(5));

        Window w = recorder.cut(300_000_000L);
        assertThat(w.successes()).isPositive();
        assertThat(w.errors()).isEmpty();
    }

    @Test
    void sendsAtTheRequestedRate() {
        WindowRecorder recorder = new WindowRecorder();
        OpenLoop loop = new OpenLoop(client, inputs, recorder, 200, false, 64);

        loop.start();
        sleepMillis(500);
        loop.stop(Duration.ofSeconds(5));

        assertThat(recorder.cut(500_000_000L).successes()).isBetween(60L, 120L);
    }

    @Test
    void countsFailuresByStatus() {
        WindowRecorder recorder = new WindowRecorder();
        PreparedInfer unknown = client.prepare(io.statim.client.InferRequest.builder("no_such_model")
                .inputInts("INPUT0", new long[] {1}, 1).build());
        ClosedLoop loop = new ClosedLoop(client, new PreparedInfer[] {unknown}, recorder, 2);

        loop.start();
        sleepMillis(100);
        loop.stop(Duration.ofSeconds(5));

        assertThat(recorder.cut(100_000_000L).errors()).containsOnlyKeys(List.of("404"));
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
