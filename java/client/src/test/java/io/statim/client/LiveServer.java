package io.statim.client;

import io.statim.model.onnx.TestModels;
import io.statim.scheduler.ModelControlMode;
import io.statim.server.ServerConfig;
import io.statim.server.StatimServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A real Statim server on ephemeral loopback ports over a temporary repository holding Triton's
 * {@code simple} model, and clients of every protocol and encoding for it.
 */
final class LiveServer implements AutoCloseable {
    private final StatimServer server;

    private LiveServer(StatimServer server) {
        this.server = server;
    }

    static LiveServer start() {
        return start(ModelControlMode.NONE);
    }

    static LiveServer start(ModelControlMode mode) {
        try {
            Path repo = Files.createTempDirectory("statim-client-test");
            TestModels.writeSimple(repo);
            ServerConfig config = ServerConfig.defaults(repo, 0).withAddress("127.0.0.1");
            if (mode == ModelControlMode.EXPLICIT) {
                config = config.withControl(mode, List.of());
            }
            return new LiveServer(StatimServer.start(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every protocol with every encoding it honours, for parameterized tests. */
    static Stream<Arguments> wires() {
        return Stream.of(Arguments.of(Protocol.HTTP1, Encoding.JSON), Arguments.of(Protocol.HTTP1, Encoding.BINARY),
                Arguments.of(Protocol.H2C, Encoding.JSON), Arguments.of(Protocol.H2C, Encoding.BINARY),
                Arguments.of(Protocol.GRPC, Encoding.BINARY));
    }

    /** Every protocol, for tests where the encoding does not matter. */
    static Stream<Protocol> protocols() {
        return Stream.of(Protocol.values());
    }

    StatimClient client(Protocol protocol, Encoding encoding) {
        return builder(protocol).encoding(encoding).build();
    }

    StatimClient client(Protocol protocol) {
        return client(protocol, Encoding.JSON);
    }

    /** A builder aimed at this server over {@code protocol}. */
    StatimClient.Builder builder(Protocol protocol) {
        return address(StatimClient.builder(), protocol);
    }

    /** Adds this server's address for {@code protocol} to {@code builder}. */
    StatimClient.Builder address(StatimClient.Builder builder, Protocol protocol) {
        return switch (protocol) {
            case HTTP1 -> builder.http1("127.0.0.1", server.httpPort());
            case H2C -> builder.h2c("127.0.0.1", server.httpPort());
            case GRPC -> builder.grpc("127.0.0.1", server.grpcPort());
        };
    }

    /** The request {@code OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1} of {@code simple}. */
    static InferRequest simpleRequest(int base) {
        int[] a = new int[16];
        int[] b = new int[16];
        for (int i = 0; i < 16; i++) {
            a[i] = base + i;
            b[i] = 1;
        }
        return InferRequest.builder(TestModels.SIMPLE).inputInts("INPUT0", new long[] {1, 16}, a)
                .inputInts("INPUT1", new long[] {1, 16}, b).build();
    }

    /** The expected OUTPUT0 of {@link #simpleRequest}. */
    static int[] simpleSum(int base) {
        int[] out = new int[16];
        for (int i = 0; i < 16; i++) {
            out[i] = base + i + 1;
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
