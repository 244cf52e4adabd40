package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClientErrorTest {
    private static LiveServer server;

    @BeforeAll
    static void start() {
        server = LiveServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static InferRequest wrongShape() {
        return InferRequest.builder("simple").inputInts("INPUT0", new long[] {1, 8}, new int[8])
                .inputInts("INPUT1", new long[] {1, 8}, new int[8]).build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.statim.client.LiveServer#wires")
    void surfacesABadRequestWithTheServersMessageAfterOneAttempt(Protocol protocol, Encoding encoding) {
        try (StatimClient client = server.builder(protocol).encoding(encoding).maxAttempts(3).build()) {
            assertThatThrownBy(() -> client.infer(wrongShape())).isInstanceOfSatisfying(StatimClientException.class, e -> {
                if (protocol == Protocol.GRPC) {
                    assertThat(e.grpcCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).startsWith("gRPC INVALID_ARGUMENT: ");
                } else {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("HTTP 400: ");
                }
                assertThat(e.serverMessage()).contains("INPUT0");
                assertThat(e.attempts()).isEqualTo(1);
                assertThat(e.requestNotSent()).isFalse();
            });
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void reportsAnUnknownModelAsNotFound(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            assertThatThrownBy(() -> client.modelMetadata("no_such_model"))
                    .isInstanceOfSatisfying(StatimClientException.class, e -> {
                        assertThat(e.label()).isEqualTo(protocol == Protocol.GRPC ? "NOT_FOUND" : "404");
                        assertThat(e.serverMessage()).contains("no_such_model");
                    });
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void failsTheAsyncFutureWithTheClientException(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            assertThatThrownBy(() -> client.inferAsync(wrongShape()).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(StatimClientException.class);
        }
    }
}
