package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class H2cMultiplexingTest {

    @Test
    void carries32RequestsInFlightOnOneConnection() {
        try (LiveServer server = LiveServer.start();
                StatimClient client = server.builder(Protocol.H2C).encoding(Encoding.BINARY).build()) {
            List<CompletableFuture<InferResult>> inFlight = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                inFlight.add(client.inferAsync(LiveServer.simpleRequest(i)));
            }

            for (int i = 0; i < 32; i++) {
                assertThat(inFlight.get(i).join().output("OUTPUT0").asInts()).containsExactly(LiveServer.simpleSum(i));
            }
            assertThat(client.openConnections()).isEqualTo(1);
        }
    }
}
