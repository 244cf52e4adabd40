package io.statim.protocol.grpc;

import io.statim.core.tensor.Shape;
import io.statim.grpc.api.DataType;
import io.statim.grpc.api.ModelDynamicBatching;
import io.statim.grpc.api.ModelInput;
import io.statim.grpc.api.ModelInstanceGroup;
import io.statim.grpc.api.ModelOutput;
import io.statim.grpc.api.ModelParameter;
import io.statim.grpc.api.ModelQueuePolicy;
import io.statim.grpc.api.ModelTensorReshape;
import io.statim.grpc.api.ModelVersionPolicy;
import io.statim.model.config.DynamicBatching;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.QueuePolicy;
import io.statim.model.config.TensorConfig;
import io.statim.model.config.VersionPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link ModelConfig} as the protocol's {@code inference.ModelConfig} message, with Triton's field
 * numbers and enum values, so Triton's clients read it as they read Triton's own. Static and
 * thread-safe; not on the request path.
 */
final class GrpcModelConfigs {
    private GrpcModelConfigs() {
    }

    static io.statim.grpc.api.ModelConfig toProto(ModelConfig config) {
        io.statim.grpc.api.ModelConfig.Builder out = io.statim.grpc.api.ModelConfig.newBuilder()
                .setName(config.name())
                .setPlatform(config.platform())
                .setBackend(config.backend())
                .setVersionPolicy(versionPolicy(config.versionPolicy()))
                .setMaxBatchSize(config.maxBatchSize())
                .setDefaultModelFilename(config.defaultModelFilename());
        for (TensorConfig t : config.inputs()) {
            ModelInput.Builder in = out.addInputBuilder().setName(t.name()).setDataType(dataType(t)).setOptional(t.optional());
            in.addAllDims(dims(t.dims()));
            if (t.reshape() != null) {
                in.setReshape(reshape(t.reshape()));
            }
        }
        for (TensorConfig t : config.outputs()) {
            ModelOutput.Builder o = out.addOutputBuilder().setName(t.name()).setDataType(dataType(t));
            o.addAllDims(dims(t.dims()));
            if (t.reshape() != null) {
                o.setReshape(reshape(t.reshape()));
            }
        }
        for (InstanceGroup g : config.instanceGroups()) {
            out.addInstanceGroupBuilder()
                    .setName(g.name())
                    .setCount(g.count())
                    .setKind(ModelInstanceGroup.Kind.valueOf(g.kind().name()))
                    .addAllGpus(g.gpus());
        }
        for (Map.Entry<String, String> e : config.parameters().entrySet()) {
            out.putParameters(e.getKey(), ModelParameter.newBuilder().setStringValue(e.getValue()).build());
        }
        if (config.dynamicBatchingEnabled()) {
            out.setDynamicBatching(dynamicBatching(config.dynamicBatching()));
        }
        return out.build();
    }

    /** Durations go back to the microseconds of Triton's fields. */
    private static ModelDynamicBatching dynamicBatching(DynamicBatching batching) {
        ModelDynamicBatching.Builder out = ModelDynamicBatching.newBuilder()
                .addAllPreferredBatchSize(batching.preferredBatchSizes())
                .setMaxQueueDelayMicroseconds(batching.maxQueueDelayNs() / 1_000)
                .setPreserveOrdering(batching.preserveOrdering())
                .setPriorityLevels(batching.priorityLevels())
                .setDefaultPriorityLevel(batching.defaultPriorityLevel())
                .setDefaultQueuePolicy(queuePolicy(batching.defaultQueuePolicy()));
        for (Map.Entry<Integer, QueuePolicy> e : batching.priorityQueuePolicy().entrySet()) {
            out.putPriorityQueuePolicy(e.getKey(), queuePolicy(e.getValue()));
        }
        return out.build();
    }

    private static ModelQueuePolicy queuePolicy(QueuePolicy policy) {
        return ModelQueuePolicy.newBuilder()
                .setTimeoutAction(ModelQueuePolicy.TimeoutAction.valueOf(policy.timeoutAction().name()))
                .setDefaultTimeoutMicroseconds(policy.defaultTimeoutNs() / 1_000)
                .setAllowTimeoutOverride(policy.allowTimeoutOverride())
                .setMaxQueueSize(policy.maxQueueSize())
                .build();
    }

    /** Statim's and Triton's config names are the same ({@code TYPE_INT32}, {@code TYPE_STRING}, ...). */
    private static DataType dataType(TensorConfig t) {
        return DataType.valueOf(t.dataType().configName());
    }

    private static List<Long> dims(Shape shape) {
        List<Long> out = new ArrayList<>(shape.rank());
        for (int i = 0; i < shape.rank(); i++) {
            out.add(shape.dim(i));
        }
        return out;
    }

    private static ModelTensorReshape reshape(Shape shape) {
        return ModelTensorReshape.newBuilder().addAllShape(dims(shape)).build();
    }

    private static ModelVersionPolicy versionPolicy(VersionPolicy policy) {
        ModelVersionPolicy.Builder out = ModelVersionPolicy.newBuilder();
        switch (policy) {
            case VersionPolicy.Latest latest -> out.setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(latest.numVersions()));
            case VersionPolicy.All _ -> out.setAll(ModelVersionPolicy.All.getDefaultInstance());
            case VersionPolicy.Specific specific -> out.setSpecific(ModelVersionPolicy.Specific.newBuilder().addAllVersions(specific.versions()));
        }
        return out.build();
    }
}
