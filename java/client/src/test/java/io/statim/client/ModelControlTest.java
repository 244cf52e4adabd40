package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.scheduler.ModelControlMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelControlTest {
    private static LiveServer server;

    @BeforeAll
    static void start() {
        server = LiveServer.start(ModelControlMode.EXPLICIT);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void loadsAndUnloadsAModel(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            client.loadModel("simple");
            assertThat(client.isModelReady("simple")).isTrue();
            assertThat(client.repositoryIndex(true)).extracting(RepositoryModel::name).contains("simple");

            client.unloadModel("simple");
            assertThat(client.isModelReady("simple")).isFalse();
        }
    }
}
