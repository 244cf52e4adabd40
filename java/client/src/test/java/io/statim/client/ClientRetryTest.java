package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClientRetryTest {
    private static LiveServer server;

    @BeforeAll
    static void start() {
        server = LiveServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void retriesARefusedConnectionOnTheNextAddress(Protocol protocol) {
        StatimClient.Builder builder = deadAddress(StatimClient.builder(), protocol);
        try (StatimClient client = server.address(builder, protocol).build()) {
            InferResult result = client.infer(LiveServer.simpleRequest(1));

            assertThat(result.output("OUTPUT0").asInts()).containsExactly(LiveServer.simpleSum(1));
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void givesUpAfterMaxAttemptsWhenNoAddressAnswers(Protocol protocol) {
        try (StatimClient client = deadAddress(StatimClient.builder(), protocol).maxAttempts(3).retryBackoff(Duration.ofMillis(1)).build()) {
            assertThatThrownBy(() -> client.infer(LiveServer.simpleRequest(1)))
                    .isInstanceOfSatisfying(StatimClientException.class, e -> {
                        assertThat(e.requestNotSent()).isTrue();
                        assertThat(e.attempts()).isEqualTo(3);
                        assertThat(e.httpStatus()).isZero();
                    });
        }
    }

    @Test
    void retriesAStreamTheServerRefused() {
        try (StubServer stub = StubServer.h2c(n -> n == 1 ? StubServer.Answer.refuse() : StubServer.Answer.status(200));
                StatimClient client = stub.client().build()) {
            assertThat(client.isServerReady()).isTrue();
            assertThat(stub.requests()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.StubServer#protocols")
    void neverResendsARequestTheServerAnsweredWithAnError(Protocol protocol) {
        try (StubServer stub = StubServer.of(protocol, n -> StubServer.Answer.status(400));
                StatimClient client = stub.client().maxAttempts(5).build()) {
            assertThatThrownBy(() -> client.infer(LiveServer.simpleRequest(1)))
                    .isInstanceOfSatisfying(StatimClientException.class, e -> {
                        assertThat(e.label()).isEqualTo(protocol == Protocol.GRPC ? "INVALID_ARGUMENT" : "400");
                        assertThat(e.serverMessage()).isEqualTo("stub says 400");
                        assertThat(e.attempts()).isEqualTo(1);
                    });
            assertThat(stub.requests()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.StubServer#protocols")
    void neverResendsAnOverloadedAnswer(Protocol protocol) {
        try (StubServer stub = StubServer.of(protocol, n -> StubServer.Answer.status(503));
                StatimClient client = stub.client().maxAttempts(5).build()) {
            assertThatThrownBy(() -> client.infer(LiveServer.simpleRequest(1)))
                    .isInstanceOfSatisfying(StatimClientException.class, e -> {
                        assertThat(e.label()).isEqualTo(protocol == Protocol.GRPC ? "UNAVAILABLE" : "503");
                        assertThat(e.requestNotSent()).isFalse();
                    });
            assertThat(stub.requests()).isEqualTo(1);
        }
    }

    /**
     * The timeout is long enough for the request to reach the stub first even on a loaded machine
     * (the gRPC deadline starts before the channel connects): the test is about not sending it again.
     */
    @ParameterizedTest
    @MethodSource("io.statim.client.StubServer#protocols")
    void timesOutWithoutResendingWhenTheServerIsSilent(Protocol protocol) {
        try (StubServer stub = StubServer.of(protocol, n -> StubServer.Answer.silence());
                StatimClient client = stub.client().maxAttempts(5).requestTimeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(() -> client.infer(LiveServer.simpleRequest(1)))
                    .isInstanceOfSatisfying(StatimClientException.class, e -> {
                        assertThat(e.requestNotSent()).isFalse();
                        assertThat(e.label()).isEqualTo(protocol == Protocol.GRPC ? "DEADLINE_EXCEEDED" : "timeout");
                        assertThat(e.attempts()).as("attempts").isEqualTo(1);
                    });
            // infer resends (if it does) before it throws; the stub may count the one request a little
            // after the client gave up on it.
            awaitRequests(stub, 1);
            assertThat(stub.requests()).isEqualTo(1);
        }
    }

    /** Waits (parked between looks, at most 10 s) until the stub has counted {@code n} requests. */
    private static void awaitRequests(StubServer stub, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stub.requests() < n && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Adds an address where nothing listens. */
    private static StatimClient.Builder deadAddress(StatimClient.Builder builder, Protocol protocol) {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return switch (protocol) {
            case HTTP1 -> builder.http1("127.0.0.1", port);
            case H2C -> builder.h2c("127.0.0.1", port);
            case GRPC -> builder.grpc("127.0.0.1", port);
        };
    }
}
