package io.statim.protocol.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.grpc.api.CudaSharedMemoryRegisterRequest;
import io.statim.grpc.api.CudaSharedMemoryRegisterResponse;
import io.statim.grpc.api.CudaSharedMemoryStatusRequest;
import io.statim.grpc.api.CudaSharedMemoryStatusResponse;
import io.statim.grpc.api.CudaSharedMemoryUnregisterRequest;
import io.statim.grpc.api.CudaSharedMemoryUnregisterResponse;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.LogSettingsRequest;
import io.statim.grpc.api.LogSettingsResponse;
import io.statim.grpc.api.ModelConfigRequest;
import io.statim.grpc.api.ModelConfigResponse;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelMetadataRequest;
import io.statim.grpc.api.ModelMetadataResponse;
import io.statim.grpc.api.ModelReadyRequest;
import io.statim.grpc.api.ModelReadyResponse;
import io.statim.grpc.api.ModelStatisticsRequest;
import io.statim.grpc.api.ModelStatisticsResponse;
import io.statim.grpc.api.ModelStreamInferResponse;
import io.statim.grpc.api.RepositoryIndexRequest;
import io.statim.grpc.api.RepositoryIndexResponse;
import io.statim.grpc.api.RepositoryModelLoadRequest;
import io.statim.grpc.api.RepositoryModelLoadResponse;
import io.statim.grpc.api.RepositoryModelUnloadRequest;
import io.statim.grpc.api.RepositoryModelUnloadResponse;
import io.statim.grpc.api.ServerLiveRequest;
import io.statim.grpc.api.ServerLiveResponse;
import io.statim.grpc.api.ServerMetadataRequest;
import io.statim.grpc.api.ServerMetadataResponse;
import io.statim.grpc.api.ServerReadyRequest;
import io.statim.grpc.api.ServerReadyResponse;
import io.statim.grpc.api.SystemSharedMemoryRegisterRequest;
import io.statim.grpc.api.SystemSharedMemoryRegisterResponse;
import io.statim.grpc.api.SystemSharedMemoryStatusRequest;
import io.statim.grpc.api.SystemSharedMemoryStatusResponse;
import io.statim.grpc.api.SystemSharedMemoryUnregisterRequest;
import io.statim.grpc.api.SystemSharedMemoryUnregisterResponse;
import io.statim.grpc.api.TraceSettingRequest;
import io.statim.grpc.api.TraceSettingResponse;
import io.statim.protocol.ModelControl;
import io.statim.protocol.ServedVersions;
import io.statim.protocol.ServerInfo;
import io.statim.runtime.RequestValidator;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;

/**
 * {@code inference.GRPCInferenceService}, wire-compatible with Triton's grpc_service.proto: health,
 * metadata, ModelInfer and ModelStreamInfer, model configuration, statistics and repository control.
 * Shared memory, trace and log settings answer UNIMPLEMENTED with the reason.
 *
 * <p>Threads: the methods run on gRPC's threads (the transport's event loops when the server uses a
 * direct executor) and never block: inference goes to the model's scheduler and is answered from the
 * thread that completes it; loads and unloads go to the control executor through {@link ModelControl}.
 * Every failure is a {@link Status} turned into a gRPC status in one place ({@link GrpcStatus}).
 * Thread-safe: one instance serves every call.
 */
public final class GrpcInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final String SHARED_MEMORY =
            "system shared memory is not supported by Statim; send tensors in the request (raw_input_contents)";
    private static final String CUDA_SHARED_MEMORY =
            "CUDA shared memory is not supported by Statim; send tensors in the request (raw_input_contents)";

    private final ModelManager models;
    private final ModelControl control;
    private final ServerInfo info;
    private final GrpcInference inference;

    /**
     * @param validator checks inputs against the model's configuration, as on the REST path
     * @param control   loads and unloads models off the gRPC threads
     */
    public GrpcInferenceService(ModelManager models, RequestValidator validator, ModelControl control, ServerInfo info) {
        this.models = models;
        this.control = control;
        this.info = info;
        this.inference = new GrpcInference(models, new GrpcRequestDecoder(validator));
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> call) {
        GrpcCalls.reply(call, "ServerLive", () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> call) {
        GrpcCalls.reply(call, "ServerReady", () -> ServerReadyResponse.newBuilder().setReady(models.allReady()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> call) {
        GrpcCalls.reply(call, "ModelReady", () -> ModelReadyResponse.newBuilder()
                .setReady(models.isReady(request.getName(), GrpcRequestDecoder.version(request.getVersion())))
                .build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> call) {
        GrpcCalls.reply(call, "ServerMetadata", () -> GrpcMessages.serverMetadata(info));
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> call) {
        GrpcCalls.reply(call, "ModelMetadata", () -> {
            ServedModel served = models.resolve(request.getName(), GrpcRequestDecoder.version(request.getVersion()));
            return GrpcMessages.modelMetadata(served.config(), ServedVersions.numbers(models, request.getName()));
        });
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> call) {
        GrpcCalls.reply(call, "ModelConfig", () -> {
            ServedModel served = models.resolve(request.getName(), GrpcRequestDecoder.version(request.getVersion()));
            return ModelConfigResponse.newBuilder().setConfig(GrpcModelConfigs.toProto(served.config())).build();
        });
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> call) {
        GrpcCalls.reply(call, "ModelStatistics", () -> GrpcMessages.statistics(
                ServedVersions.forStatistics(models, request.getName(), GrpcRequestDecoder.version(request.getVersion()))));
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> call) {
        GrpcCalls.reply(call, "RepositoryIndex", () -> GrpcMessages.index(models.index(), request.getReady()));
    }

    /** Load parameters (config overrides, model files) are refused: Statim loads what the repository holds. */
    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> call) {
        try {
            if (request.getParametersCount() > 0) {
                throw new StatusException(Code.INVALID_ARGUMENT, "RepositoryModelLoad parameters are not supported "
                        + request.getParametersMap().keySet() + "; the model loads from the repository as it is");
            }
            control.load(request.getModelName(), outcome -> answer(call, outcome, RepositoryModelLoadResponse.getDefaultInstance()));
        } catch (RuntimeException e) {
            GrpcCalls.fail(call, GrpcStatus.of(e, "RepositoryModelLoad"));
        }
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> call) {
        try {
            control.unload(request.getModelName(), outcome -> answer(call, outcome, RepositoryModelUnloadResponse.getDefaultInstance()));
        } catch (RuntimeException e) {
            GrpcCalls.fail(call, GrpcStatus.of(e, "RepositoryModelUnload"));
        }
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> call) {
        ServerCallStreamObserver<ModelInferResponse> serverCall = (ServerCallStreamObserver<ModelInferResponse>) call;
        try {
            inference.start(request, decoded -> new UnaryInference(serverCall, decoded));
        } catch (RuntimeException e) {
            GrpcCalls.fail(call, GrpcStatus.of(e, "ModelInfer"));
        }
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> call) {
        return new InferStream(inference, (ServerCallStreamObserver<ModelStreamInferResponse>) call);
    }

    @Override
    public void systemSharedMemoryStatus(SystemSharedMemoryStatusRequest request,
            StreamObserver<SystemSharedMemoryStatusResponse> call) {
        unsupported(call, SHARED_MEMORY);
    }

    @Override
    public void systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest request,
            StreamObserver<SystemSharedMemoryRegisterResponse> call) {
        unsupported(call, SHARED_MEMORY);
    }

    @Override
    public void systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest request,
            StreamObserver<SystemSharedMemoryUnregisterResponse> call) {
        unsupported(call, SHARED_MEMORY);
    }

    @Override
    public void cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest request, StreamObserver<CudaSharedMemoryStatusResponse> call) {
        unsupported(call, CUDA_SHARED_MEMORY);
    }

    @Override
    public void cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest request,
            StreamObserver<CudaSharedMemoryRegisterResponse> call) {
        unsupported(call, CUDA_SHARED_MEMORY);
    }

    @Override
    public void cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest request,
            StreamObserver<CudaSharedMemoryUnregisterResponse> call) {
        unsupported(call, CUDA_SHARED_MEMORY);
    }

    @Override
    public void traceSetting(TraceSettingRequest request, StreamObserver<TraceSettingResponse> call) {
        unsupported(call, "trace settings are not supported by Statim");
    }

    @Override
    public void logSettings(LogSettingsRequest request, StreamObserver<LogSettingsResponse> call) {
        unsupported(call, "log settings are not supported by Statim; set STATIM_LOG_LEVEL when the server starts");
    }

    private static <T> void answer(StreamObserver<T> call, Status outcome, T success) {
        if (outcome.isOk()) {
            GrpcCalls.answer(call, success);
        } else {
            GrpcCalls.fail(call, outcome);
        }
    }

    private static void unsupported(StreamObserver<?> call, String reason) {
        GrpcCalls.fail(call, Status.of(Code.UNIMPLEMENTED, reason));
    }
}
