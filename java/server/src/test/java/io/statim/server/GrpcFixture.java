package io.statim.server;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server ({@link ServerFixture}) for one test class, and a plaintext channel to its gRPC port
 * with the stock stubs that protoc generated from the project's .proto files: the way any grpc-java
 * user calls Statim. Register it as a static {@code @RegisterExtension} field: the server starts before
 * the class's tests, every test is followed by the leak check, and the server stops after the class.
 */
final class GrpcFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final Supplier<ServerFixture> starter;
    ServerFixture fixture;
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;

    /** @param starter starts the server, once, before the class's tests */
    GrpcFixture(Supplier<ServerFixture> starter) {
        this.starter = starter;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        fixture = starter.get();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", fixture.server.grpcPort(), InsecureChannelCredentials.create()).build();
        async = GRPCInferenceServiceGrpc.newStub(channel);
    }

    /** The blocking stub with a fresh 30 s deadline (a stub's deadline is fixed when it is made). */
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Every pooled buffer is back once the test's calls are answered. */
    @Override
    public void afterEach(ExtensionContext context) {
        fixture.assertNoBuffersLeft();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        fixture.close();
    }
}
