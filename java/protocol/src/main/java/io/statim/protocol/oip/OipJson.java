package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.statim.core.tensor.Shape;
import io.statim.model.config.DynamicBatching;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.QueuePolicy;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.model.config.VersionPolicy;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The small OIP JSON bodies besides inference: server metadata, model metadata, the model
 * configuration in Triton's JSON form, and errors. Each method writes one JSON object into a new
 * {@link ByteBuf} from the given allocator; the caller owns it (Netty's write releases it), and a
 * method that throws has released it already.
 *
 * <p>Static and thread-safe. Not on the hot path (except {@link #writeError}, which is small).
 */
public final class OipJson {
    private static final int INITIAL_BYTES = 256;

    private OipJson() {
    }

    /** {@code {"name":..,"version":..,"extensions":[..]}} for {@code GET /v2}. */
    public static ByteBuf serverMetadata(ByteBufAllocator alloc, String name, String version, List<String> extensions) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("version", version);
            g.writeArrayFieldStart("extensions");
            for (String extension : extensions) {
                g.writeString(extension);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /**
     * Model metadata for {@code GET /v2/models/<name>[/versions/<v>]}: name, the versions served (as
     * strings, as Triton writes them), platform, and the inputs and outputs with their datatypes and
     * shapes, the batch dimension written as -1 when the model batches.
     */
    public static ByteBuf modelMetadata(ByteBufAllocator alloc, ModelConfig config, Collection<Long> versions) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("name", config.name());
            g.writeArrayFieldStart("versions");
            for (long version : versions) {
                g.writeString(Long.toString(version));
            }
            g.writeEndArray();
            g.writeStringField("platform", config.platform());
            writeTensorMetadata(g, "inputs", config.inputs(), config.batching());
            writeTensorMetadata(g, "outputs", config.outputs(), config.batching());
            g.writeEndObject();
        });
    }

    /**
     * The configuration for {@code GET /v2/models/<name>/config}, in the JSON form Triton gives it
     * (protobuf field names, enum names such as {@code TYPE_INT32} and {@code KIND_CPU}, dims as numbers,
     * parameters as {@code {"key":{"string_value":"value"}}}).
     */
    public static ByteBuf modelConfig(ByteBufAllocator alloc, ModelConfig config) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("name", config.name());
            g.writeStringField("platform", config.platform());
            g.writeStringField("backend", config.backend());
            g.writeFieldName("version_policy");
            writeVersionPolicy(g, config.versionPolicy());
            g.writeNumberField("max_batch_size", config.maxBatchSize());
            writeTensorConfigs(g, "input", config.inputs(), true);
            writeTensorConfigs(g, "output", config.outputs(), false);
            g.writeArrayFieldStart("instance_group");
            for (InstanceGroup group : config.instanceGroups()) {
                writeInstanceGroup(g, group);
            }
            g.writeEndArray();
            g.writeStringField("default_model_filename", config.defaultModelFilename());
            if (config.dynamicBatchingEnabled()) {
                writeDynamicBatching(g, config.dynamicBatching());
            }
            g.writeObjectFieldStart("parameters");
            for (Map.Entry<String, String> e : config.parameters().entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("string_value", e.getValue());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** {@code {"error":"<message>"}}, the body of every failed OIP REST call. */
    public static ByteBuf error(ByteBufAllocator alloc, String message) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    /** Writes one JSON value into a new buffer; the buffer is released if writing fails. */
    private static ByteBuf write(ByteBufAllocator alloc, JsonBody body) {
        ByteBuf out = alloc.buffer(INITIAL_BYTES);
        try {
            try (JsonGenerator g = Json.generator(out)) {
                body.write(g);
            }
            return out;
        } catch (IOException e) {
            out.release();
            throw Json.internal(e);
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /** Writes a JSON value. */
    @FunctionalInterface
    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    /** A shape as a JSON array of numbers. */
    static void writeDims(JsonGenerator g, Shape shape) throws IOException {
        g.writeStartArray();
        for (int i = 0; i < shape.rank(); i++) {
            g.writeNumber(shape.dim(i));
        }
        g.writeEndArray();
    }

    private static void writeTensorMetadata(JsonGenerator g, String field, List<TensorConfig> tensors, boolean batching)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorConfig t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", t.dataType().wireName());
            g.writeFieldName("shape");
            writeDims(g, batching ? t.dims().withBatch(Shape.ANY) : t.dims());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeTensorConfigs(JsonGenerator g, String field, List<TensorConfig> tensors, boolean inputs)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorConfig t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("data_type", t.dataType().configName());
            g.writeFieldName("dims");
            writeDims(g, t.dims());
            if (t.reshape() != null) {
                g.writeObjectFieldStart("reshape");
                g.writeFieldName("shape");
                writeDims(g, t.reshape());
                g.writeEndObject();
            }
            if (inputs) {
                g.writeBooleanField("optional", t.optional());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeInstanceGroup(JsonGenerator g, InstanceGroup group) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", group.name());
        g.writeNumberField("count", group.count());
        g.writeStringField("kind", group.kind().name());
        g.writeArrayFieldStart("gpus");
        for (int gpu : group.gpus()) {
            g.writeNumber(gpu);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeDynamicBatching(JsonGenerator g, DynamicBatching b) throws IOException {
        g.writeObjectFieldStart("dynamic_batching");
        g.writeArrayFieldStart("preferred_batch_size");
        for (int size : b.preferredBatchSizes()) {
            g.writeNumber(size);
        }
        g.writeEndArray();
        g.writeNumberField("max_queue_delay_microseconds", b.maxQueueDelayNs() / 1_000);
        g.writeBooleanField("preserve_ordering", b.preserveOrdering());
        g.writeNumberField("priority_levels", b.priorityLevels());
        g.writeNumberField("default_priority_level", b.defaultPriorityLevel());
        g.writeFieldName("default_queue_policy");
        writeQueuePolicy(g, b.defaultQueuePolicy());
        g.writeObjectFieldStart("priority_queue_policy");
        for (Map.Entry<Integer, QueuePolicy> e : new java.util.TreeMap<>(b.priorityQueuePolicy()).entrySet()) {
            g.writeFieldName(Integer.toString(e.getKey()));
            writeQueuePolicy(g, e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeQueuePolicy(JsonGenerator g, QueuePolicy p) throws IOException {
        g.writeStartObject();
        g.writeStringField("timeout_action", p.timeoutAction().name());
        g.writeNumberField("default_timeout_microseconds", p.defaultTimeoutNs() / 1_000);
        g.writeBooleanField("allow_timeout_override", p.allowTimeoutOverride());
        g.writeNumberField("max_queue_size", p.maxQueueSize());
        g.writeEndObject();
    }

    private static void writeVersionPolicy(JsonGenerator g, VersionPolicy policy) throws IOException {
        g.writeStartObject();
        switch (policy) {
            case VersionPolicy.Latest latest -> {
                g.writeObjectFieldStart("latest");
                g.writeNumberField("num_versions", latest.numVersions());
                g.writeEndObject();
            }
            case VersionPolicy.All _ -> {
                g.writeObjectFieldStart("all");
                g.writeEndObject();
            }
            case VersionPolicy.Specific specific -> {
                g.writeObjectFieldStart("specific");
                g.writeArrayFieldStart("versions");
                for (long v : specific.versions()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        }
        g.writeEndObject();
    }
}
