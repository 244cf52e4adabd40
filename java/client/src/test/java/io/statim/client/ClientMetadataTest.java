package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClientMetadataTest {
    private static LiveServer server;

    @BeforeAll
    static void start() {
        server = LiveServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void readsServerMetadataWithItsExtensions(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            ServerMetadata metadata = client.serverMetadata();

            assertThat(metadata.name()).isEqualTo("statim");
            assertThat(metadata.extensions()).contains("binary_tensor_data", "statistics");
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void readsModelMetadataWithTheBatchDimension(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            ModelMetadata metadata = client.modelMetadata("simple");

            assertThat(metadata.name()).isEqualTo("simple");
            assertThat(metadata.inputs()).extracting(ModelMetadata.TensorMetadata::name).containsExactly("INPUT0", "INPUT1");
            assertThat(metadata.inputs().getFirst().datatype()).isEqualTo(Datatype.INT32);
            assertThat(metadata.inputs().getFirst().shape()).containsExactly(-1, 16);
            assertThat(metadata.outputs()).hasSize(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void reportsHealthOfServerAndModels(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            assertThat(client.isServerLive()).isTrue();
            assertThat(client.isServerReady()).isTrue();
            assertThat(client.isModelReady("simple")).isTrue();
            assertThat(client.isModelReady("no_such_model")).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void countsInferencesInTheStatistics(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            long before = client.modelStatistics("simple").getFirst().inferenceCount();

            client.infer(LiveServer.simpleRequest(0));
            client.infer(LiveServer.simpleRequest(0));

            ModelStatistics after = client.modelStatistics("simple").getFirst();
            assertThat(after.name()).isEqualTo("simple");
            assertThat(after.inferenceCount()).isEqualTo(before + 2);
            assertThat(after.success().count()).isGreaterThanOrEqualTo(2);
            assertThat(after.computeInfer().ns()).isPositive();
        }
    }

    @ParameterizedTest
    @MethodSource("io.statim.client.LiveServer#protocols")
    void listsTheRepositoryIndex(Protocol protocol) {
        try (StatimClient client = server.client(protocol)) {
            List<RepositoryModel> index = client.repositoryIndex(false);

            assertThat(index).extracting(RepositoryModel::name).contains("simple");
            assertThat(index).filteredOn(m -> m.name().equals("simple")).extracting(RepositoryModel::state).containsOnly("READY");
        }
    }
}
