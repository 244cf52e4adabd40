package io.statim.server;

import static io.statim.server.SessionRequests.CLOSE_BODY;
import static io.statim.server.SessionRequests.NEW_SESSION_BODY;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelStreamInferResponse;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ServedModel;
import io.statim.server.audit.AuditLog;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code --audit-log}: one line per HTTP request (HTTP/1.1 and h2c) and gRPC call, saying who called
 * which endpoint, model, version, adapter and session (as a fingerprint), with the status and
 * latency, and nothing else: no payload, no session id. Also requests answered before the handler
 * saw them (413), whose client went away, with a bad path, and gRPC calls grpc-java ends itself
 * (a malformed message, a cancelled stream).
 */
class AuditLogTest {
    /** Every key a line may have, in order: a payload or a raw id has nowhere to go. */
    private static final Pattern LINE = Pattern.compile("protocol=(http/1\\.1|h2c|grpc) peer=127\\.0\\.0\\.1:\\d+ method=[A-Z]+ endpoint=\\S+"
            + "( model=\\S+)?( version=\\S+)?( adapter=\\S+)?( session=sha256:[0-9a-f]{12})? status=\\S+ micros=\\d+");
    private static final int BODY_LIMIT = 64 << 10;
    private static ServerFixture fixture;
    private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(c -> c.withAuditLog(true).withLimits(BODY_LIMIT, ServerConfig.DEFAULT_MAX_TENSOR_ELEMENTS,
                ServerConfig.DEFAULT_MAX_QUEUE_SIZE), repo -> {
                    TestModels.writeSessionDocument(repo);
                    ServerFixture.copyModel(repo, TestModels.SIMPLE, "simple_held",
                            config -> config + "\ndynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }\n");
                });
        LINES.start();
        ((Logger) LoggerFactory.getLogger(AuditLog.LOGGER)).addAppender(LINES);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(AuditLog.LOGGER)).detachAppender(LINES);
        fixture.close();
    }

    @BeforeEach
    void clear() {
        LINES.list.clear();
    }

    /** Waits for {@code n} lines (the last is written as the response leaves, maybe after the client has it). */
    private static List<String> lines(int n) {
        ServerFixture.await(() -> LINES.list.size() >= n, n + " audit lines");
        List<String> lines = LINES.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).allSatisfy(l -> assertThat(l).matches(LINE));
        return lines;
    }

    @Test
    void anHttp1InferenceIsOneLineWithItsModelAndStatusAndNoPayload() {
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/models/simple/infer?trace=1", Requests.simpleJson(1, false));
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = lines(1);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("protocol=http/1.1 ").contains(" method=POST endpoint=/v2/models/simple/infer model=simple version=1 ")
                .contains(" status=200 ").doesNotContain("trace").doesNotContain("INPUT0");
    }

    @Test
    void h2cAndErrorsAreAudited() {
        HttpResponse<String> missing = ServerFixture.send(fixture.http2, HttpRequest.newBuilder(fixture.uri("/v2/models/nope/infer"))
                .POST(HttpRequest.BodyPublishers.ofString(Requests.simpleJson(1, false))).build());
        assertThat(missing.statusCode()).isEqualTo(404);
        List<String> lines = lines(1);
        assertThat(lines.get(0)).contains("endpoint=/v2/models/nope/infer model=nope ").contains(" status=404 ");
        assertThat(lines.get(0)).matches("protocol=(h2c|http/1\\.1) .*"); // the JDK client may stay on HTTP/1.1 for a first request
    }

    @Test
    void aSessionIsAFingerprintNeverItsId() {
        HttpResponse<String> opened = fixture.postJson(fixture.http1, "/invocations", NEW_SESSION_BODY,
                "X-Amzn-SageMaker-Target-Model", "session_document", "X-Amzn-SageMaker-Session-Id", "NEW_SESSION");
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        String id = opened.headers().firstValue("x-amzn-sagemaker-new-session-id").orElseThrow().split(";")[0];
        HttpResponse<String> closed = fixture.postJson(fixture.http1, "/invocations", CLOSE_BODY,
                "X-Amzn-SageMaker-Target-Model", "session_document", "X-Amzn-SageMaker-Session-Id", id);
        assertThat(closed.statusCode()).isEqualTo(200);
        List<String> lines = lines(2);
        assertThat(lines).allSatisfy(l -> assertThat(l).contains("endpoint=/invocations model=session_document ")
                .doesNotContain(id).containsPattern(" session=sha256:[0-9a-f]{12} status=200 "));
        assertThat(lines.get(0).replaceAll(".* session=", "").split(" ")[0]).as("one session, one fingerprint")
                .isEqualTo(lines.get(1).replaceAll(".* session=", "").split(" ")[0]);
    }

    @Test
    void aGrpcCallIsOneLine() throws Exception {
        ManagedChannel channel = grpcChannel();
        try {
            GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .modelInfer(GrpcRequests.simpleRaw("a").build());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        List<String> lines = lines(1);
        assertThat(lines.get(0)).startsWith("protocol=grpc ").contains("endpoint=inference.GRPCInferenceService/ModelInfer model=simple ")
                .contains(" status=OK ");
    }

    private static ManagedChannel grpcChannel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", fixture.server.grpcPort()).usePlaintext().build();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", fixture.server.httpPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** The aggregator (before HttpAudit in the pipeline) answers 413 itself: HttpAudit never sees the request or the response. */
    @Test
    void a413IsAudited() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + (BODY_LIMIT + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[BODY_LIMIT + 1]);
            out.flush();
            assertThat(ServerFixture.responseHead(socket.getInputStream())).startsWith("HTTP/1.1 413");
        }
        assertThat(lines(1)).singleElement().asString().contains("status=413");
    }

    /**
     * A path with a bad percent escape: QueryStringDecoder.path() throws in OipHttpHandler.channelRead0
     * outside its try, exceptionCaught closes the connection: no response, no line.
     */
    @Test
    void aBadPercentEscapeIsAnsweredAndAudited() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET /v2/models/%zz/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertThat(ServerFixture.responseHead(socket.getInputStream())).as("a response, not a bare close").startsWith("HTTP/1.1 400");
        }
        assertThat(lines(1)).singleElement().asString().contains("status=400");
    }

    /** The client goes away while its request waits: the exchange writes nothing, so no line is written. */
    @Test
    void aRequestWhoseClientWentAwayIsAudited() throws Exception {
        ServedModel held = fixture.server.models().resolve("simple_held", InferenceRequest.LATEST);
        try (Socket socket = connect()) {
            byte[] body = Requests.simpleJson(1, false).getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/simple_held/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            ServerFixture.await(() -> held.scheduler().queuedRequests() == 1, "the request is queued");
        }
        ServerFixture.await(() -> held.scheduler().queuedRequests() == 0, "the closed connection cancels it");
        assertThat(lines(1)).singleElement().asString().contains("model=simple_held");
    }

    /** A gRPC message that does not parse: grpc-java closes the stream itself, never through ServerCall.close. */
    @Test
    void aGrpcCallWithAMalformedMessageIsAudited() throws Exception {
        ManagedChannel channel = grpcChannel();
        try {
            MethodDescriptor<byte[], byte[]> raw = GRPCInferenceServiceGrpc.getModelInferMethod().toBuilder(new Bytes(), new Bytes()).build();
            try {
                ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
            } catch (RuntimeException expected) {
                // UNKNOWN or INTERNAL: the point is the audit line
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(lines(1)).singleElement().asString().startsWith("protocol=grpc ");
    }

    /** A ModelStreamInfer call the client cancels: InferStream never completes the call, so close() never runs. */
    @Test
    void aCancelledGrpcStreamIsAudited() throws Exception {
        ServedModel held = fixture.server.models().resolve("simple_held", InferenceRequest.LATEST);
        ManagedChannel channel = grpcChannel();
        try {
            ClientCallStreamObserver<ModelInferRequest>[] requests = new ClientCallStreamObserver[1];
            io.grpc.stub.StreamObserver<ModelInferRequest> sender = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
                    new ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<ModelInferRequest> r) {
                            requests[0] = r;
                        }

                        @Override
                        public void onNext(ModelStreamInferResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            sender.onNext(GrpcRequests.simpleRaw("s").setModelName("simple_held").build());
            ServerFixture.await(() -> held.scheduler().queuedRequests() == 1, "the streamed request is queued");
            requests[0].cancel("the client gives up", null);
            ServerFixture.await(() -> held.scheduler().queuedRequests() == 0, "the cancel reaches the scheduler");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(lines(1)).singleElement().asString().contains("ModelStreamInfer");
    }

    private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
