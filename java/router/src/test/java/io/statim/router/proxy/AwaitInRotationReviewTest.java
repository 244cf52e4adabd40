package io.statim.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.router.Router;
import io.statim.router.RouterConfig;
import io.statim.router.UpstreamAddress;
import io.statim.router.upstream.Upstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Review: awaitInRotation with no periodic tick never brings back an upstream whose ejection has ended. */
class AwaitInRotationReviewTest {
    private final List<StubUpstream> stubs = new ArrayList<>();
    private Router router;
    private final HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        stubs.forEach(StubUpstream::close);
        http1.close();
    }

    @Test
    void anUpstreamWhoseEjectionEndedIsAwaitedBackIntoRotation() throws Exception {
        List<UpstreamAddress> addresses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            StubUpstream s = new StubUpstream("u" + i);
            stubs.add(s);
            addresses.add(UpstreamAddress.parse(s.address()));
        }
        router = Router.start(RouterConfig.builder().address("127.0.0.1").ports(0, RouterConfig.GRPC_OFF, 0)
                .upstreams(addresses).threads(2).healthChecks(600_000, 2000, 2, 1).ejection(3, 300).build());
        assertThat(router.awaitInRotation(2, Duration.ofSeconds(10))).isTrue();
        Upstream u0 = router.upstreams().find(stubs.get(0).address());
        stubs.get(0).failing.set(true);
        for (int sent = 0; u0.ejections() == 0 && sent < 200; sent++) {
            http1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        }
        stubs.get(0).failing.set(false);
        assertThat(u0.ejections()).isEqualTo(1);
        Thread.sleep(500);   // the 300 ms ejection has ended; its checks pass
        assertThat(router.awaitInRotation(2, Duration.ofSeconds(3))).as("back in rotation once its ejection ended").isTrue();
    }
}
