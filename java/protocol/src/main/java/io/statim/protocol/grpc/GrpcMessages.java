package io.statim.protocol.grpc;

import io.statim.core.tensor.Shape;
import io.statim.grpc.api.InferStatistics;
import io.statim.grpc.api.ModelMetadataResponse;
import io.statim.grpc.api.ModelMetadataResponse.TensorMetadata;
import io.statim.grpc.api.ModelStatisticsResponse;
import io.statim.grpc.api.RepositoryIndexResponse;
import io.statim.grpc.api.ServerMetadataResponse;
import io.statim.grpc.api.StatisticDuration;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.protocol.ServerInfo;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ModelState;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import java.util.List;

/**
 * The small response messages besides inference: server and model metadata, statistics and the
 * repository index, built from the same sources as their REST forms. Static and thread-safe; not on the
 * request path.
 */
final class GrpcMessages {
    private GrpcMessages() {
    }

    static ServerMetadataResponse serverMetadata(ServerInfo info) {
        return ServerMetadataResponse.newBuilder()
                .setName(info.name())
                .setVersion(info.version())
                .addAllExtensions(info.extensions())
                .build();
    }

    /** Name, versions served, platform, and the tensors with the batch dimension as -1 when the model batches. */
    static ModelMetadataResponse modelMetadata(ModelConfig config, List<Long> versions) {
        ModelMetadataResponse.Builder out = ModelMetadataResponse.newBuilder().setName(config.name()).setPlatform(config.platform());
        for (long v : versions) {
            out.addVersions(Long.toString(v));
        }
        for (TensorConfig t : config.inputs()) {
            out.addInputs(tensor(t, config.batching()));
        }
        for (TensorConfig t : config.outputs()) {
            out.addOutputs(tensor(t, config.batching()));
        }
        return out.build();
    }

    /** Triton's statistics for the given versions, with one {@code batch_stats} entry per batch size executed. */
    static ModelStatisticsResponse statistics(List<ServedModel> models) {
        ModelStatisticsResponse.Builder out = ModelStatisticsResponse.newBuilder();
        for (ServedModel m : models) {
            ModelStatistics.Snapshot s = m.statistics().snapshot();
            io.statim.grpc.api.ModelStatistics.Builder stats = out.addModelStatsBuilder()
                    .setName(m.name())
                    .setVersion(Long.toString(m.version()))
                    .setLastInference(s.lastInferenceMillis())
                    .setInferenceCount(s.inferenceCount())
                    .setExecutionCount(s.executionCount())
                    .setInferenceStats(InferStatistics.newBuilder()
                            .setSuccess(duration(s.successCount(), s.successNs()))
                            .setFail(duration(s.failCount(), s.failNs()))
                            .setQueue(duration(s.queueCount(), s.queueNs()))
                            .setComputeInput(duration(s.computeCount(), s.computeInputNs()))
                            .setComputeInfer(duration(s.computeCount(), s.computeInferNs()))
                            .setComputeOutput(duration(s.computeCount(), s.computeOutputNs())));
            for (ModelStatistics.BatchStats b : s.batchStats()) {
                stats.addBatchStatsBuilder()
                        .setBatchSize(b.batchSize())
                        .setComputeInput(duration(b.count(), b.computeInputNs()))
                        .setComputeInfer(duration(b.count(), b.computeInferNs()))
                        .setComputeOutput(duration(b.count(), b.computeOutputNs()));
            }
        }
        return out.build();
    }

    /** The repository index; only READY entries when {@code readyOnly}. */
    static RepositoryIndexResponse index(List<ModelManager.IndexEntry> entries, boolean readyOnly) {
        RepositoryIndexResponse.Builder out = RepositoryIndexResponse.newBuilder();
        for (ModelManager.IndexEntry e : entries) {
            if (readyOnly && e.state() != ModelState.READY) {
                continue;
            }
            out.addModelsBuilder().setName(e.name()).setVersion(e.version()).setState(e.state().name()).setReason(e.reason());
        }
        return out.build();
    }

    private static TensorMetadata tensor(TensorConfig t, boolean batching) {
        Shape shape = batching ? t.dims().withBatch(Shape.ANY) : t.dims();
        TensorMetadata.Builder out = TensorMetadata.newBuilder().setName(t.name()).setDatatype(t.dataType().wireName());
        for (int i = 0; i < shape.rank(); i++) {
            out.addShape(shape.dim(i));
        }
        return out.build();
    }

    private static StatisticDuration duration(long count, long ns) {
        return StatisticDuration.newBuilder().setCount(count).setNs(ns).build();
    }
}
