package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.statim.grpc.api.DataType;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.InferStatistics;
import io.statim.grpc.api.ModelConfig;
import io.statim.grpc.api.ModelConfigRequest;
import io.statim.grpc.api.ModelInstanceGroup;
import io.statim.grpc.api.ModelMetadataRequest;
import io.statim.grpc.api.ModelMetadataResponse;
import io.statim.grpc.api.ModelReadyRequest;
import io.statim.grpc.api.ModelStatistics;
import io.statim.grpc.api.ModelStatisticsRequest;
import io.statim.grpc.api.RepositoryIndexRequest;
import io.statim.grpc.api.RepositoryIndexResponse;
import io.statim.grpc.api.RepositoryModelLoadRequest;
import io.statim.grpc.api.ServerLiveRequest;
import io.statim.grpc.api.ServerMetadataRequest;
import io.statim.grpc.api.ServerMetadataResponse;
import io.statim.grpc.api.ServerReadyRequest;
import io.statim.grpc.api.SystemSharedMemoryStatusRequest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Health, metadata, configuration, statistics and repository calls over gRPC, with the stock stubs. */
class GrpcApiTest {
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(ServerFixture::start);

    @Test
    void reportsTheServerLiveAndReady() {
        assertThat(grpc.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(grpc.blocking().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    }

    @Test
    void reportsAModelReadyAndAnUnknownOneNot() {
        assertThat(grpc.blocking().modelReady(ModelReadyRequest.newBuilder().setName("simple").build()).getReady()).isTrue();
        assertThat(grpc.blocking().modelReady(ModelReadyRequest.newBuilder().setName("simple").setVersion("7").build()).getReady())
                .isFalse();
        assertThat(grpc.blocking().modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady()).isFalse();
    }

    @Test
    void answersTheHealthCheckWithServing() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(grpc.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService(GRPCInferenceServiceGrpc.SERVICE_NAME).build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void describesTheServer() {
        ServerMetadataResponse metadata = grpc.blocking().serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(metadata.getName()).isEqualTo("statim");
        assertThat(metadata.getVersion()).isEqualTo(StatimServer.VERSION);
        assertThat(metadata.getExtensionsList()).contains("statistics", "model_repository", "model_configuration");
    }

    @Test
    void describesAModelWithTheBatchDimensionAsMinusOne() {
        ModelMetadataResponse metadata = grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("simple").build());
        assertThat(metadata.getName()).isEqualTo("simple");
        assertThat(metadata.getVersionsList()).containsExactly("1");
        assertThat(metadata.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(metadata.getInputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName).containsExactly("INPUT0", "INPUT1");
        assertThat(metadata.getInputs(0).getDatatype()).isEqualTo("INT32");
        assertThat(metadata.getInputs(0).getShapeList()).containsExactly(-1L, 16L);
        assertThat(metadata.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName).containsExactly("OUTPUT0", "OUTPUT1");
    }

    @Test
    void answersNotFoundForTheMetadataOfAnUnknownModel() {
        assertThatThrownBy(() -> grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void givesTheModelConfigurationInTritonsMessage() {
        ModelConfig config = grpc.blocking().modelConfig(ModelConfigRequest.newBuilder().setName("simple").build()).getConfig();
        assertThat(config.getName()).isEqualTo("simple");
        assertThat(config.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(config.getBackend()).isEqualTo("onnxruntime");
        assertThat(config.getMaxBatchSize()).isEqualTo(8);
        assertThat(config.getInput(0).getName()).isEqualTo("INPUT0");
        assertThat(config.getInput(0).getDataType()).isEqualTo(DataType.TYPE_INT32);
        assertThat(config.getInput(0).getDimsList()).containsExactly(16L);
        assertThat(config.getOutput(1).getName()).isEqualTo("OUTPUT1");
        assertThat(config.getVersionPolicy().hasLatest()).isTrue();
        assertThat(config.getVersionPolicy().getLatest().getNumVersions()).isEqualTo(1);
        assertThat(config.getInstanceGroupList()).extracting(ModelInstanceGroup::getCount).containsOnly(1);
        assertThat(config.getDefaultModelFilename()).isEqualTo("model.onnx");
    }

    @Test
    void countsInferencesInTheModelStatistics() {
        ModelStatisticsRequest simple = ModelStatisticsRequest.newBuilder().setName("simple").build();
        InferStatistics before = grpc.blocking().modelStatistics(simple).getModelStats(0).getInferenceStats();
        for (int i = 0; i < 3; i++) {
            grpc.blocking().modelInfer(GrpcRequests.simpleRaw("s" + i).build());
        }
        ModelStatistics stats = grpc.blocking().modelStatistics(simple).getModelStats(0);
        assertThat(stats.getName()).isEqualTo("simple");
        assertThat(stats.getVersion()).isEqualTo("1");
        assertThat(stats.getInferenceStats().getSuccess().getCount()).isEqualTo(before.getSuccess().getCount() + 3);
        assertThat(stats.getInferenceStats().getSuccess().getNs()).isGreaterThan(before.getSuccess().getNs());
        assertThat(stats.getInferenceCount()).isGreaterThanOrEqualTo(3);
        assertThat(stats.getLastInference()).isPositive();
    }

    @Test
    void listsTheRepositoryWithStates() {
        RepositoryIndexResponse index = grpc.blocking().repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build());
        assertThat(index.getModelsList()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("simple");
            assertThat(m.getVersion()).isEqualTo("1");
            assertThat(m.getState()).isEqualTo("READY");
        });
    }

    @Test
    void refusesToLoadAModelWhenModelControlIsDisabled() {
        assertThatThrownBy(() -> grpc.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("simple").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("--model-control-mode=explicit");
                });
    }

    @Test
    void answersUnimplementedForSharedMemory() {
        assertThatThrownBy(() -> grpc.blocking().systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).contains("shared memory");
                });
    }
}
