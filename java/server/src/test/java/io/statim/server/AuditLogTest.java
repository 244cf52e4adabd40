package io.statim.server;

import static io.statim.server.SessionRequests.CLOSE_BODY;
import static io.statim.server.SessionRequests.NEW_SESSION_BODY;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.server.audit.AuditLog;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * latency, and nothing else: no payload, no session id.
 */
class AuditLogTest {
    /** Every key a line may have, in order: a payload or a raw id has nowhere to go. */
    private static final Pattern LINE = Pattern.compile("protocol=(http/1\\.1|h2c|grpc) peer=127\\.0\\.0\\.1:\\d+ method=[A-Z]+ endpoint=\\S+"
            + "( model=\\S+)?( version=\\S+)?( adapter=\\S+)?( session=sha256:[0-9a-f]{12})? status=\\S+ micros=\\d+");
    private static ServerFixture fixture;
    private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();

    @BeforeAll
    static void start() {
        fixture = ServerFixture.startWithSessions(c -> c.withAuditLog(true));
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
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", fixture.server.grpcPort()).usePlaintext().build();
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
}
