package io.statim.server;

import static io.statim.server.SessionRequests.floats;
import static io.statim.server.SessionRequests.score;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.SageMakerRuntimeException;

/**
 * The AWS SDK's SageMaker Runtime client, pointed at a real server, following SageMaker's documented
 * stateful-session flow: open with NEW_SESSION, ask, ask, close; then the closed session is refused.
 */
class SageMakerSdkSessionTest {
    private static final String ENDPOINT = "statim-endpoint";
    private static ServerFixture fixture;
    private static SageMakerRuntimeClient sageMaker;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.startWithSessions(c -> c);
        sageMaker = SageMakerRuntimeClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + fixture.server.httpPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "statim-test-secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        sageMaker.close();
        fixture.close();
    }

    private static InvokeEndpointResponse invoke(String sessionId, String contentType, SdkBytes body) {
        return sageMaker.invokeEndpoint(InvokeEndpointRequest.builder()
                .endpointName(ENDPOINT)
                .targetModel("session_document")
                .sessionId(sessionId)
                .contentType(contentType)
                .body(body)
                .build());
    }

    @Test
    void followsSageMakersStatefulSessionFlow() {
        InvokeEndpointResponse opened = invoke("NEW_SESSION", "application/json", SdkBytes.fromUtf8String(SessionRequests.NEW_SESSION_BODY));
        assertThat(opened.newSessionId()).matches(SessionRequests.NEW_SESSION_ID_FORM);
        String id = opened.newSessionId().split(";")[0];

        SessionRequests.Binary document = SessionRequests.documentBinary(0, 1, 3);
        InvokeEndpointResponse first = invoke(id, "application/vnd.sagemaker-triton.binary+json;json-header-size=" + document.jsonLength(),
                SdkBytes.fromByteArray(document.body()));
        InvokeEndpointResponse second = invoke(id, "application/json",
                SdkBytes.fromUtf8String(SessionRequests.documentJson(false, 2, null, 0, 2)));
        InvokeEndpointResponse closed = invoke(id, "application/json", SdkBytes.fromUtf8String(SessionRequests.CLOSE_BODY));
        SageMakerRuntimeException refused = catchThrowableOfType(SageMakerRuntimeException.class,
                () -> invoke(id, "application/json", SdkBytes.fromUtf8String(SessionRequests.documentJson(false, 2, null, 0))));

        assertThat(floats(first.body().asUtf8String(), "SCORES")).containsExactly(score(1, 0), score(3, 0));
        assertThat(floats(second.body().asUtf8String(), "SCORES")).containsExactly(score(0, 2), score(2, 2));
        assertThat(second.contentType()).startsWith("application/json");
        assertThat(closed.closedSessionId()).isEqualTo(id);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.getMessage()).contains("was closed");
        fixture.assertSessionsClosed();
    }
}
