package io.statim.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferInputTensor;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelStreamInferResponse;
import io.statim.grpc.api.ServerLiveRequest;
import io.statim.router.Router;
import io.statim.router.Strategy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gRPC through the router's gRPC port with the stock grpc-java stubs: calls proxied per HTTP/2 stream. */
class GrpcRoutingTest {
    private static Cluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(2);
        Router router = cluster.route(Strategy.LEAST_OUTSTANDING_REQUESTS);
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", router.grpcPort(), InsecureChannelCredentials.create()).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static ModelInferRequest simple(String model) {
        ByteBuffer in0 = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in1 = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            in0.putInt(i);
            in1.putInt(1);
        }
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(InferInputTensor.newBuilder().setName("INPUT0").setDatatype("INT32").addShape(1).addShape(16))
                .addInputs(InferInputTensor.newBuilder().setName("INPUT1").setDatatype("INT32").addShape(1).addShape(16))
                .addRawInputContents(ByteString.copyFrom(in0.array())).addRawInputContents(ByteString.copyFrom(in1.array())).build();
    }

    private static ModelInferRequest accumulate(long sequence, float value, boolean start) {
        ByteBuffer in = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            in.putFloat(value);
        }
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("accumulator")
                .putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(sequence).build())
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(1).addShape(4))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT"))
                .addRawInputContents(ByteString.copyFrom(in.array()));
        if (start) {
            b.putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(true).build());
        }
        return b.build();
    }

    private static float first(ModelInferResponse r) {
        return r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    @Test
    void proxiesUnaryCallsAndTheirTrailers() {
        assertThat(blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        for (int i = 0; i < 20; i++) {
            ModelInferResponse r = blocking().modelInfer(simple("simple"));
            assertThat(r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt(60)).isEqualTo(16);
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> blocking().modelInfer(simple("no_such_model")));
        assertThat(e.getStatus().getCode()).as("the upstream's status comes through in the trailers").isEqualTo(io.grpc.Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).contains("no_such_model");
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void routesSequencesByTheSequenceIdInTheMessage() {
        for (int step = 0; step < 4; step++) {
            for (long seq = 1; seq <= 10; seq++) {
                ModelInferResponse r = blocking().modelInfer(accumulate(500 + seq, seq, step == 0));
                assertThat(first(r)).as("sequence %d step %d", seq, step).isEqualTo(seq * (step + 1));
            }
        }
    }

    @Test
    void proxiesAStreamOfManyRequests() throws Exception {
        List<ModelStreamInferResponse> answers = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .modelStreamInfer(new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        // One sequence on one stream: the stream goes where its first message's sequence belongs.
        for (int i = 0; i < 5; i++) {
            requests.onNext(accumulate(9001, 1, i == 0));
        }
        requests.onCompleted();
        done.get(20, TimeUnit.SECONDS);
        assertThat(answers).hasSize(5);
        assertThat(answers.stream().map(a -> first(a.getInferResponse())).sorted().toList()).containsExactly(1f, 2f, 3f, 4f, 5f);
    }

    @Test
    void answersItsOwnErrorsAsGrpcStatuses() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-amzn-sagemaker-session-id", Metadata.ASCII_STRING_MARSHALLER), "not-issued-here1");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> blocking()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).modelInfer(simple("simple")));
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("was not issued by this router");
    }
}
