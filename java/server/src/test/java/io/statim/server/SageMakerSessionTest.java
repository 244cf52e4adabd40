package io.statim.server;

import static io.statim.server.SessionRequests.CLOSE_BODY;
import static io.statim.server.SessionRequests.NEW_SESSION_BODY;
import static io.statim.server.SessionRequests.documentJson;
import static io.statim.server.SessionRequests.floats;
import static io.statim.server.SessionRequests.score;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SageMaker's sticky-session contract over plain HTTP, header by header and error code by error code,
 * on {@code /invocations} (default model {@code session_document}) and on OIP's infer path.
 */
class SageMakerSessionTest {
    private static final String SESSION = "X-Amzn-SageMaker-Session-Id";
    private static final String NEW_SESSION_ID = "x-amzn-sagemaker-new-session-id";
    private static final String CLOSED_SESSION_ID = "x-amzn-sagemaker-closed-session-id";
    private static final String TARGET = "X-Amzn-SageMaker-Target-Model";
    private static final String INFER = "/v2/models/session_document/infer";
    private static ServerFixture fixture;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.startWithSessions(c -> c.withSessions(ServerConfig.DEFAULT_SESSION_MEMORY_BYTES, "session_document"));
        http = fixture.http1;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** Every test closes the sessions it opened: nothing may stay leased, in sessions or elsewhere. */
    @AfterEach
    void leavesNothingBehind() {
        fixture.assertSessionsClosed();
    }

    private static HttpResponse<String> invoke(String body, String... headers) {
        return fixture.postJson(http, "/invocations", body, headers);
    }

    /** Opens a session with SageMaker's NEW_SESSION request and returns its id. */
    private static String open() {
        HttpResponse<String> response = invoke(NEW_SESSION_BODY, SESSION, "NEW_SESSION");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue(NEW_SESSION_ID).orElseThrow().split(";")[0];
    }

    private static void close(String id) {
        assertThat(invoke(CLOSE_BODY, SESSION, id).statusCode()).isEqualTo(200);
    }

    @Test
    void pingIs200WhenEveryModelIsReady() {
        HttpResponse<String> response = fixture.get(http, "/ping");

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void newSessionRequestAnswersWithTheDocumentedHeaderAndBody() {
        HttpResponse<String> response = invoke(NEW_SESSION_BODY, SESSION, "NEW_SESSION");

        String header = response.headers().firstValue(NEW_SESSION_ID).orElseThrow();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header).matches(SessionRequests.NEW_SESSION_ID_FORM);
        String id = header.split(";")[0];
        assertThat(SessionRequests.field(response.body(), "session_id")).isEqualTo(id);
        assertThat(header).endsWith("Expires=" + SessionRequests.field(response.body(), "expires"));
        close(id);
    }

    @Test
    void closeRequestAnswersWithTheClosedSessionHeader() {
        String id = open();

        HttpResponse<String> response = invoke(CLOSE_BODY, SESSION, id);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(CLOSED_SESSION_ID)).hasValue(id);
        assertThat(response.body()).contains("\"closed\":true");
    }

    @Test
    void followUpsInASessionAreAnsweredFromTheCachedDocument() {
        String id = open();

        HttpResponse<String> first = invoke(documentJson(true, 0, null, 2, 0), SESSION, id);
        HttpResponse<String> second = invoke(documentJson(false, 1, null, 3, 1, 1), SESSION, id);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(floats(first.body(), "SCORES")).containsExactly(score(2, 0), score(0, 0));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(floats(second.body(), "SCORES")).containsExactly(score(3, 1), score(1, 1), score(1, 1));
        assertThat(second.headers().firstValue(NEW_SESSION_ID)).isEmpty();
        close(id);
    }

    @Test
    void inferRequestWithNewSessionHeaderOpensASession() {
        HttpResponse<String> opened = fixture.postJson(http, INFER, documentJson(true, 0, null, 1), SESSION, "NEW_SESSION");

        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        assertThat(floats(opened.body(), "SCORES")).containsExactly(score(1, 0));
        String header = opened.headers().firstValue(NEW_SESSION_ID).orElseThrow();
        assertThat(header).matches(SessionRequests.NEW_SESSION_ID_FORM);
        String id = header.split(";")[0];
        HttpResponse<String> followUp = fixture.postJson(http, INFER, documentJson(false, 2, null, 3), SESSION, id);
        assertThat(followUp.statusCode()).as(followUp.body()).isEqualTo(200);
        assertThat(floats(followUp.body(), "SCORES")).containsExactly(score(3, 2));
        close(id);
    }

    @Test
    void sequenceEndClosesTheSessionAndSaysSo() {
        String id = open();
        assertThat(invoke(documentJson(true, 0, null, 0), SESSION, id).statusCode()).isEqualTo(200);

        HttpResponse<String> last = fixture.postJson(http, INFER, documentJson(false, 1, "{\"sequence_end\":true}", 2), SESSION, id);

        assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        assertThat(floats(last.body(), "SCORES")).containsExactly(score(2, 1));
        assertThat(last.headers().firstValue(CLOSED_SESSION_ID)).hasValue(id);
        HttpResponse<String> after = invoke(documentJson(false, 1, null, 2), SESSION, id);
        assertThat(after.statusCode()).isEqualTo(400);
        assertThat(after.body()).contains("was closed");
    }

    @Test
    void closedSessionIs400() {
        String id = open();
        close(id);

        HttpResponse<String> response = invoke(documentJson(true, 0, null, 0), SESSION, id);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("session '" + id + "'").contains("was closed");
        assertThat(response.headers().firstValue(NEW_SESSION_ID)).isEmpty();
    }

    @Test
    void unknownSessionIs400() {
        HttpResponse<String> response = invoke(documentJson(true, 0, null, 0), SESSION, "0123456789abcdef0123456789abcdef");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("is unknown");
    }

    @Test
    void closeOfAnUnknownSessionIs400() {
        HttpResponse<String> response = invoke(CLOSE_BODY, SESSION, "no-such-session");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("is unknown");
    }

    @Test
    void closeWithoutSessionHeaderIs424() {
        HttpResponse<String> response = invoke(CLOSE_BODY);

        assertThat(response.statusCode()).isEqualTo(424);
        assertThat(response.body()).contains(SESSION);
    }

    @Test
    void malformedSessionIdIs400() {
        HttpResponse<String> onInvocations = invoke(documentJson(true, 0, null, 0), SESSION, "not_a valid/id");
        HttpResponse<String> onInfer = fixture.postJson(http, INFER, documentJson(true, 0, null, 0), SESSION, "-dash-first");

        assertThat(onInvocations.statusCode()).isEqualTo(400);
        assertThat(onInvocations.body()).contains("letters, digits and '-'");
        assertThat(onInfer.statusCode()).isEqualTo(400);
    }

    @Test
    void sessionHeaderForAModelWithoutSessionsIs400() {
        HttpResponse<String> onInfer = fixture.postJson(http, "/v2/models/simple/infer", Requests.simpleJson(1, false), SESSION,
                "NEW_SESSION");
        HttpResponse<String> onInvocations = invoke(NEW_SESSION_BODY, SESSION, "NEW_SESSION", TARGET, "simple");

        assertThat(onInfer.statusCode()).isEqualTo(400);
        assertThat(onInfer.body()).contains("has no sessions");
        assertThat(onInvocations.statusCode()).isEqualTo(400);
        assertThat(onInvocations.body()).contains("has no sessions");
    }

    @Test
    void followUpWithoutTheDocumentInASessionThatNeverSentItIs400() {
        String id = open();

        HttpResponse<String> response = invoke(documentJson(false, 0, null, 0), SESSION, id);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("'DOCUMENT' is not cached in session '" + id + "'");
        close(id);
    }

    @Test
    void unknownRequestTypeIs400() {
        HttpResponse<String> response = invoke("{\"requestType\":\"RESTART\"}", SESSION, "NEW_SESSION");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("NEW_SESSION or CLOSE");
    }

    @Test
    void targetModelHeaderPicksTheModelWithoutItsArchiveSuffix() {
        HttpResponse<String> response = invoke(Requests.simpleJson(1, false), TARGET, "simple.tar.gz");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"model_name\":\"simple\"");
    }

    @Test
    void endpointPathOfTheAwsSdkServesInvocations() {
        HttpResponse<String> response = fixture.postJson(http, "/endpoints/any-endpoint/invocations", Requests.simpleJson(1, false),
                TARGET, "simple");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void tritonSageMakerContentTypeGivesTheJsonLength() {
        String id = open();
        SessionRequests.Binary first = SessionRequests.documentBinary(0, 3, 2);

        HttpResponse<String> response = ServerFixture.send(http, HttpRequest.newBuilder(fixture.uri("/invocations"))
                .header("Content-Type", "application/vnd.sagemaker-triton.binary+json;json-header-size=" + first.jsonLength())
                .header(SESSION, id).POST(HttpRequest.BodyPublishers.ofByteArray(first.body())).build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(floats(response.body(), "SCORES")).containsExactly(score(3, 0), score(2, 0));
        close(id);
    }

    @Test
    void servesOtherRequestsAfterBadSessionRequests() {
        invoke(CLOSE_BODY);
        invoke(documentJson(true, 0, null, 0), SESSION, "unknown-id");

        HttpResponse<String> response = fixture.postJson(http, "/v2/models/simple/infer", Requests.simpleJson(1, false));

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void invocationsWithoutTargetModelOrDefaultIs400() {
        try (ServerFixture plain = ServerFixture.start()) {
            HttpResponse<String> response = plain.postJson(plain.http1, "/invocations", Requests.simpleJson(1, false));

            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains(TARGET).contains("--sagemaker-model");
        }
    }
}
