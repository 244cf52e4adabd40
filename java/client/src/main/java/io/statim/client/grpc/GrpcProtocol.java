package io.statim.client.grpc;

import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.ChannelOption;
import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.ModelMetadata;
import io.statim.client.ModelStatistics;
import io.statim.client.RepositoryModel;
import io.statim.client.ServerMetadata;
import io.statim.client.http.IoLoops;
import io.statim.client.spi.ClientProtocol;
import io.statim.client.spi.ClientSettings;
import io.statim.client.spi.Futures;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelMetadataRequest;
import io.statim.grpc.api.ModelReadyRequest;
import io.statim.grpc.api.ModelStatisticsRequest;
import io.statim.grpc.api.RepositoryIndexRequest;
import io.statim.grpc.api.RepositoryModelLoadRequest;
import io.statim.grpc.api.RepositoryModelUnloadRequest;
import io.statim.grpc.api.ServerLiveRequest;
import io.statim.grpc.api.ServerMetadataRequest;
import io.statim.grpc.api.ServerReadyRequest;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code inference.GRPCInferenceService} over grpc-java's Netty transport, on the client's own event
 * loops, to one server: one HTTP/2 connection multiplexing every call. Callbacks run on the event loop
 * (direct executor). Each call carries the request timeout as its deadline. Thread-safe.
 */
public final class GrpcProtocol implements ClientProtocol {
    private final ManagedChannel channel;
    private final ClientSettings settings;

    public GrpcProtocol(IoLoops loops, InetSocketAddress address, ClientSettings settings) {
        this.settings = settings;
        this.channel = NettyChannelBuilder.forAddress(address.getHostString(), address.getPort()).eventLoopGroup(loops.group()).channelType(loops.socketChannel())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                .withOption(ChannelOption.TCP_NODELAY, true)
                .usePlaintext().directExecutor().maxInboundMessageSize(settings.maxResponseBytes()).build();
    }

    private record PreparedMessage(InferRequest request, ModelInferRequest message) implements Prepared {
    }

    @Override
    public Prepared prepare(InferRequest request, Encoding encoding) {
        return new PreparedMessage(request, GrpcMessages.inferRequest(request));
    }

    @Override
    public CompletableFuture<InferResult> infer(Prepared request) {
        return call(GRPCInferenceServiceGrpc.getModelInferMethod(), ((PreparedMessage) request).message(),
                response -> InferResult.lazily(() -> GrpcMessages.inferResult(response)));
    }

    @Override
    public CompletableFuture<ServerMetadata> serverMetadata() {
        return call(GRPCInferenceServiceGrpc.getServerMetadataMethod(), ServerMetadataRequest.getDefaultInstance(),
                GrpcMessages::serverMetadata);
    }

    @Override
    public CompletableFuture<Boolean> serverLive() {
        return call(GRPCInferenceServiceGrpc.getServerLiveMethod(), ServerLiveRequest.getDefaultInstance(), r -> r.getLive());
    }

    @Override
    public CompletableFuture<Boolean> serverReady() {
        return call(GRPCInferenceServiceGrpc.getServerReadyMethod(), ServerReadyRequest.getDefaultInstance(), r -> r.getReady());
    }

    @Override
    public CompletableFuture<Boolean> modelReady(String model, String version) {
        return call(GRPCInferenceServiceGrpc.getModelReadyMethod(),
                ModelReadyRequest.newBuilder().setName(model).setVersion(version).build(), r -> r.getReady());
    }

    @Override
    public CompletableFuture<ModelMetadata> modelMetadata(String model, String version) {
        return call(GRPCInferenceServiceGrpc.getModelMetadataMethod(),
                ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build(), GrpcMessages::modelMetadata);
    }

    @Override
    public CompletableFuture<List<ModelStatistics>> modelStatistics(String model, String version) {
        return call(GRPCInferenceServiceGrpc.getModelStatisticsMethod(),
                ModelStatisticsRequest.newBuilder().setName(model).setVersion(version).build(), GrpcMessages::statistics);
    }

    @Override
    public CompletableFuture<List<RepositoryModel>> repositoryIndex(boolean readyOnly) {
        return call(GRPCInferenceServiceGrpc.getRepositoryIndexMethod(), RepositoryIndexRequest.newBuilder().setReady(readyOnly).build(),
                GrpcMessages::index);
    }

    @Override
    public CompletableFuture<Void> loadModel(String model) {
        return call(GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod(),
                RepositoryModelLoadRequest.newBuilder().setModelName(model).build(), r -> null);
    }

    @Override
    public CompletableFuture<Void> unloadModel(String model) {
        return call(GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod(),
                RepositoryModelUnloadRequest.newBuilder().setModelName(model).build(), r -> null);
    }

    @Override
    public int openConnections() {
        return channel.getState(false) == ConnectivityState.READY ? 1 : 0;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <Q, R, T> CompletableFuture<T> call(MethodDescriptor<Q, R> method, Q request, Function<R, T> read) {
        CallOptions options = settings.requestTimeout().isZero() ? CallOptions.DEFAULT
                : CallOptions.DEFAULT.withDeadlineAfter(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        UnaryCall<R> observer = new UnaryCall<>();
        ClientCalls.asyncUnaryCall(channel.newCall(method, options), request, observer);
        return Futures.map(observer.future(), read);
    }
}
