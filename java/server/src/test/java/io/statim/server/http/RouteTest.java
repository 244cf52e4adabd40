package io.statim.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTest {
    @Test
    void parsesSageMakersPaths() {
        assertThat(Route.parse("/ping").kind()).isEqualTo(Route.Kind.PING);
        assertThat(Route.parse("/invocations").kind()).isEqualTo(Route.Kind.INVOCATIONS);
        assertThat(Route.parse("/endpoints/my-endpoint/invocations").kind()).isEqualTo(Route.Kind.INVOCATIONS);
    }

    @Test
    void otherPathsOutsideV2AreNotFound() {
        assertThat(Route.parse("/endpoints/invocations").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.parse("/ping/more").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.parse("/").kind()).isEqualTo(Route.Kind.NOT_FOUND);
    }

    @Test
    void stillParsesOipPaths() {
        Route infer = Route.parse("/v2/models/session_document/versions/2/infer");

        assertThat(infer.kind()).isEqualTo(Route.Kind.MODEL_INFER);
        assertThat(infer.model()).isEqualTo("session_document");
        assertThat(infer.version()).isEqualTo(2);
    }

    @Test
    void parsesTheAdapterApi() {
        assertThat(Route.parse("/v2/models/minilm/adapters")).isEqualTo(new Route(Route.Kind.ADAPTERS, "minilm", -1, null));
        assertThat(Route.parse("/v2/models/minilm/versions/1/adapters/nicotine"))
                .isEqualTo(new Route(Route.Kind.ADAPTER, "minilm", 1, "nicotine"));
        assertThat(Route.parse("/v2/models/minilm/adapters/nicotine/pin")).isEqualTo(new Route(Route.Kind.ADAPTER_PIN, "minilm", -1, "nicotine"));
        assertThat(Route.parse("/v2/models/minilm/adapters/nicotine/unpin").kind()).isEqualTo(Route.Kind.ADAPTER_UNPIN);
        assertThat(Route.parse("/v2/models/minilm/adapters/nicotine/other").kind()).isEqualTo(Route.Kind.NOT_FOUND);
        assertThat(Route.parse("/v2/models/minilm/adapters/a/pin/x").kind()).isEqualTo(Route.Kind.NOT_FOUND);
    }
}
