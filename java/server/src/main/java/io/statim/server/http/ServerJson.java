package io.statim.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufInputStream;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.lora.AdapterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * JSON bodies of the server-side extensions: Triton's statistics extension and the repository
 * index. Thread-safe.
 */
final class ServerJson {
    private static final JsonFactory JSON = new JsonFactory();

    private ServerJson() {
    }

    /** {@code {"model_stats": [...]}} in Triton's form, for the given model versions. */
    static ByteBuf statistics(ByteBufAllocator alloc, List<ServedModel> models) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("model_stats");
            for (ServedModel m : models) {
                ModelStatistics.Snapshot s = m.statistics().snapshot();
                g.writeStartObject();
                g.writeStringField("name", m.name());
                g.writeStringField("version", Long.toString(m.version()));
                g.writeNumberField("last_inference", s.lastInferenceMillis());
                g.writeNumberField("inference_count", s.inferenceCount());
                g.writeNumberField("execution_count", s.executionCount());
                g.writeObjectFieldStart("inference_stats");
                duration(g, "success", s.successCount(), s.successNs());
                duration(g, "fail", s.failCount(), s.failNs());
                duration(g, "queue", s.queueCount(), s.queueNs());
                duration(g, "compute_input", s.computeCount(), s.computeInputNs());
                duration(g, "compute_infer", s.computeCount(), s.computeInferNs());
                duration(g, "compute_output", s.computeCount(), s.computeOutputNs());
                g.writeEndObject();
                g.writeArrayFieldStart("batch_stats");
                for (ModelStatistics.BatchStats b : s.batchStats()) {
                    g.writeStartObject();
                    g.writeNumberField("batch_size", b.batchSize());
                    duration(g, "compute_input", b.count(), b.computeInputNs());
                    duration(g, "compute_infer", b.count(), b.computeInferNs());
                    duration(g, "compute_output", b.count(), b.computeOutputNs());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** Triton's repository index: {@code [{"name","version","state","reason"}]}. */
    static ByteBuf index(ByteBufAllocator alloc, List<ModelManager.IndexEntry> entries, boolean readyOnly) {
        return write(alloc, g -> {
            g.writeStartArray();
            for (ModelManager.IndexEntry e : entries) {
                if (readyOnly && e.state() != io.statim.scheduler.ModelState.READY) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("name", e.name());
                if (!e.version().isEmpty()) {
                    g.writeStringField("version", e.version());
                }
                g.writeStringField("state", e.state().name());
                if (!e.reason().isEmpty()) {
                    g.writeStringField("reason", e.reason());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /**
     * Reads the repository-index request body: {@code {"ready": true}} asks for ready models only;
     * an empty body asks for all.
     *
     * @throws StatusException INVALID_ARGUMENT when the body is not a JSON object
     */
    static boolean readyOnly(ByteBuf body) {
        if (body.readableBytes() == 0) {
            return false;
        }
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new StatusException(Code.INVALID_ARGUMENT, "the repository index request must be a JSON object");
            }
            boolean ready = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("ready")) {
                    ready = value == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
            return ready;
        } catch (IOException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "the repository index request is not valid JSON");
        }
    }

    /** {@code {"adapters": [...]}}: every adapter of a model, as {@link #adapter} writes one. */
    static ByteBuf adapters(ByteBufAllocator alloc, List<AdapterRegistry.AdapterInfo> adapters) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("adapters");
            for (AdapterRegistry.AdapterInfo a : adapters) {
                adapterFields(g, a);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** One adapter: name, path, rank, alpha, target modules, tier (disk, host, device), pinned, slot (-1 when in none). */
    static ByteBuf adapter(ByteBufAllocator alloc, AdapterRegistry.AdapterInfo adapter) {
        return write(alloc, g -> adapterFields(g, adapter));
    }

    private static void adapterFields(JsonGenerator g, AdapterRegistry.AdapterInfo a) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", a.name());
        g.writeStringField("path", a.path());
        g.writeNumberField("rank", a.rank());
        g.writeNumberField("alpha", a.alpha());
        g.writeArrayFieldStart("target_modules");
        for (String t : a.targetModules()) {
            g.writeString(t);
        }
        g.writeEndArray();
        g.writeStringField("tier", a.tier());
        g.writeBooleanField("pinned", a.pinned());
        g.writeNumberField("slot", a.slot());
        g.writeEndObject();
    }

    /** An adapter registration: {@code {"name": ..., "path": ...}}. */
    record Registration(String name, String path) {
    }

    /**
     * Reads an adapter registration body.
     *
     * @throws StatusException INVALID_ARGUMENT when it is not a JSON object with string fields name and path
     */
    static Registration registration(ByteBuf body) {
        String name = null;
        String path = null;
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new StatusException(Code.INVALID_ARGUMENT, "an adapter registration must be a JSON object {\"name\": ..., \"path\": ...}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ((field.equals("name") || field.equals("path")) && value != JsonToken.VALUE_STRING) {
                    throw new StatusException(Code.INVALID_ARGUMENT, "adapter registration field '" + field + "' must be a string");
                }
                switch (field) {
                    case "name" -> name = p.getText();
                    case "path" -> path = p.getText();
                    default -> throw new StatusException(Code.INVALID_ARGUMENT, "unknown adapter registration field '" + field
                            + "'; expected name and path");
                }
            }
        } catch (IOException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "the adapter registration is not valid JSON");
        }
        if (name == null || path == null) {
            throw new StatusException(Code.INVALID_ARGUMENT, "an adapter registration needs both \"name\" and \"path\"");
        }
        return new Registration(name, path);
    }

    private static void duration(JsonGenerator g, String name, long count, long ns) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("count", count);
        g.writeNumberField("ns", ns);
        g.writeEndObject();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static ByteBuf write(ByteBufAllocator alloc, Body body) {
        ByteBuf buf = alloc.buffer();
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            body.write(g);
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }
}
