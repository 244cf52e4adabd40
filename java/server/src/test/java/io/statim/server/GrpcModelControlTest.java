package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.statim.grpc.api.ModelReadyRequest;
import io.statim.grpc.api.RepositoryModelLoadRequest;
import io.statim.grpc.api.RepositoryModelUnloadRequest;
import io.statim.scheduler.ModelControlMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** --model-control-mode=explicit: models load and unload over the gRPC repository calls. */
class GrpcModelControlTest {
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(() -> ServerFixture.start(c -> c.withControl(ModelControlMode.EXPLICIT, List.of())));

    @Test
    void loadsAndUnloadsAModelOnRequest() {
        ModelReadyRequest simple = ModelReadyRequest.newBuilder().setName("simple").build();
        assertThat(grpc.blocking().modelReady(simple).getReady()).isFalse();
        grpc.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("simple").build());
        assertThat(grpc.blocking().modelReady(simple).getReady()).isTrue();
        assertThat(grpc.blocking().modelInfer(GrpcRequests.simpleRaw("after-load").build()).getId()).isEqualTo("after-load");
        grpc.blocking().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("simple").build());
        assertThat(grpc.blocking().modelReady(simple).getReady()).isFalse();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(GrpcRequests.simpleRaw("after-unload").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void reportsNotServingOnceAModelFailsToLoad() throws Exception {
        Path dir = Files.createDirectories(grpc.fixture.repository.resolve("broken/1"));
        Files.writeString(grpc.fixture.repository.resolve("broken/config.pbtxt"), "max_batch_size: 1\nmodel_warmup_typo: 3\n");
        Files.write(dir.resolve("model.onnx"), new byte[] {0});
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(grpc.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        HealthCheckRequest server = HealthCheckRequest.newBuilder().setService("").build();
        assertThat(health.check(server).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThatThrownBy(() -> grpc.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("broken").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("model_warmup_typo");
                });
        assertThat(health.check(server).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
    }

    @Test
    void answersNotFoundForAModelThatIsNotInTheRepository() {
        assertThatThrownBy(() -> grpc.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
