package io.statim.client.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.statim.client.Datatype;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.InferTensor;
import io.statim.client.ModelMetadata;
import io.statim.client.ModelStatistics;
import io.statim.client.RepositoryModel;
import io.statim.client.ServerMetadata;
import io.statim.grpc.api.InferBatchStatistics;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.InferTensorContents;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelMetadataResponse;
import io.statim.grpc.api.ModelStatisticsResponse;
import io.statim.grpc.api.RepositoryIndexResponse;
import io.statim.grpc.api.ServerMetadataResponse;
import io.statim.grpc.api.StatisticDuration;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The client's types to and from the messages of {@code inference.GRPCInferenceService}. Inputs travel
 * as {@code raw_input_contents} (wrapping the tensors' bytes, no copy); outputs are read from
 * {@code raw_output_contents} or, from servers that send them, from typed {@code contents}. Stateless.
 */
final class GrpcMessages {
    private GrpcMessages() {
    }

    static ModelInferRequest inferRequest(InferRequest request) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(request.model())
                .setModelVersion(request.version()).setId(request.id());
        for (Map.Entry<String, Object> e : request.parameters().entrySet()) {
            b.putParameters(e.getKey(), parameter(e.getValue()));
        }
        for (InferTensor t : request.inputs()) {
            ModelInferRequest.InferInputTensor.Builder input = b.addInputsBuilder().setName(t.name()).setDatatype(t.datatype().name());
            for (long d : t.shape()) {
                input.addShape(d);
            }
            b.addRawInputContents(UnsafeByteOperations.unsafeWrap(t.view()));
        }
        for (String name : request.outputs()) {
            b.addOutputsBuilder().setName(name);
        }
        return b.build();
    }

    private static InferParameter parameter(Object value) {
        return switch (value) {
            case Boolean v -> InferParameter.newBuilder().setBoolParam(v).build();
            case Integer v -> InferParameter.newBuilder().setInt64Param(v).build();
            case Long v -> InferParameter.newBuilder().setInt64Param(v).build();
            case Double v -> InferParameter.newBuilder().setDoubleParam(v).build();
            default -> InferParameter.newBuilder().setStringParam(value.toString()).build();
        };
    }

    static InferResult inferResult(ModelInferResponse response) {
        List<InferTensor> outputs = new ArrayList<>(response.getOutputsCount());
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor o = response.getOutputs(i);
            Datatype type = Datatype.of(o.getDatatype());
            long[] shape = o.getShapeList().stream().mapToLong(Long::longValue).toArray();
            byte[] raw = i < response.getRawOutputContentsCount() ? response.getRawOutputContents(i).toByteArray()
                    : contents(type, o.getContents());
            outputs.add(InferTensor.ofRaw(o.getName(), type, shape, raw));
        }
        return InferResult.of(response.getModelName(), response.getModelVersion(), response.getId(), outputs);
    }

    /** Typed contents to the raw little-endian form. */
    private static byte[] contents(Datatype type, InferTensorContents c) {
        return switch (type) {
            case BOOL -> {
                byte[] out = new byte[c.getBoolContentsCount()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (byte) (c.getBoolContents(i) ? 1 : 0);
                }
                yield out;
            }
            case INT8, INT16, INT32 -> narrow(c.getIntContentsList(), type.byteSize());
            case UINT8, UINT16, UINT32 -> narrow(c.getUintContentsList(), type.byteSize());
            case INT64 -> longs(c.getInt64ContentsList());
            case UINT64 -> longs(c.getUint64ContentsList());
            case FP32 -> {
                ByteBuffer b = buffer(c.getFp32ContentsCount() * Float.BYTES);
                c.getFp32ContentsList().forEach(b::putFloat);
                yield b.array();
            }
            case FP64 -> {
                ByteBuffer b = buffer(c.getFp64ContentsCount() * Double.BYTES);
                c.getFp64ContentsList().forEach(b::putDouble);
                yield b.array();
            }
            case BYTES -> {
                List<byte[]> elements = new ArrayList<>(c.getBytesContentsCount());
                for (ByteString s : c.getBytesContentsList()) {
                    elements.add(s.toByteArray());
                }
                yield InferTensor.ofByteStrings("contents", new long[] {elements.size()}, elements).rawBytes();
            }
            case FP16, BF16 -> throw new IllegalArgumentException(type + " outputs must come as raw contents");
        };
    }

    private static byte[] narrow(List<Integer> values, int bytes) {
        ByteBuffer b = buffer(values.size() * bytes);
        for (int v : values) {
            switch (bytes) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                default -> b.putInt(v);
            }
        }
        return b.array();
    }

    private static byte[] longs(List<Long> values) {
        ByteBuffer b = buffer(values.size() * Long.BYTES);
        values.forEach(b::putLong);
        return b.array();
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ServerMetadata serverMetadata(ServerMetadataResponse r) {
        return new ServerMetadata(r.getName(), r.getVersion(), r.getExtensionsList());
    }

    static ModelMetadata modelMetadata(ModelMetadataResponse r) {
        return new ModelMetadata(r.getName(), r.getVersionsList(), r.getPlatform(), tensors(r.getInputsList()),
                tensors(r.getOutputsList()));
    }

    private static List<ModelMetadata.TensorMetadata> tensors(List<ModelMetadataResponse.TensorMetadata> list) {
        List<ModelMetadata.TensorMetadata> out = new ArrayList<>(list.size());
        for (ModelMetadataResponse.TensorMetadata t : list) {
            out.add(new ModelMetadata.TensorMetadata(t.getName(), Datatype.of(t.getDatatype()),
                    t.getShapeList().stream().mapToLong(Long::longValue).toArray()));
        }
        return out;
    }

    static List<ModelStatistics> statistics(ModelStatisticsResponse r) {
        List<ModelStatistics> out = new ArrayList<>(r.getModelStatsCount());
        for (io.statim.grpc.api.ModelStatistics m : r.getModelStatsList()) {
            var s = m.getInferenceStats();
            List<ModelStatistics.BatchStatistics> batches = new ArrayList<>();
            for (InferBatchStatistics b : m.getBatchStatsList()) {
                batches.add(new ModelStatistics.BatchStatistics(b.getBatchSize(), duration(b.getComputeInput()),
                        duration(b.getComputeInfer()), duration(b.getComputeOutput())));
            }
            out.add(new ModelStatistics(m.getName(), m.getVersion(), m.getLastInference(), m.getInferenceCount(),
                    m.getExecutionCount(), duration(s.getSuccess()), duration(s.getFail()), duration(s.getQueue()),
                    duration(s.getComputeInput()), duration(s.getComputeInfer()), duration(s.getComputeOutput()), batches));
        }
        return out;
    }

    private static ModelStatistics.Duration duration(StatisticDuration d) {
        return new ModelStatistics.Duration(d.getCount(), d.getNs());
    }

    static List<RepositoryModel> index(RepositoryIndexResponse r) {
        List<RepositoryModel> out = new ArrayList<>(r.getModelsCount());
        for (RepositoryIndexResponse.ModelIndex m : r.getModelsList()) {
            out.add(new RepositoryModel(m.getName(), m.getVersion(), m.getState(), m.getReason()));
        }
        return out;
    }
}
