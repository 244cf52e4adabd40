package io.statim.model.pbtxt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message in protobuf text format: its fields in the order of their first appearance, each holding
 * every value given for it (a repeated field written several times, or as a list, has several).
 * Immutable once parsed; safe for any thread.
 */
public final class PbMessage implements PbValue {
    private final PbLocation location;
    private final Map<String, PbField> fields;

    private PbMessage(PbLocation location, Map<String, PbField> fields) {
        this.location = location;
        this.fields = Collections.unmodifiableMap(fields);
    }

    @Override
    public PbLocation location() {
        return location;
    }

    /** The fields in order of first appearance. */
    public List<PbField> fields() {
        return List.copyOf(fields.values());
    }

    /** The field of that name, or {@code null} when it is absent. */
    public PbField field(String name) {
        return fields.get(name);
    }

    /** True when the field is present (with any number of values, even an empty list). */
    public boolean has(String name) {
        return fields.containsKey(name);
    }

    @Override
    public String toString() {
        return "PbMessage" + fields.values();
    }

    /** Collects a message's fields while it is parsed; not thread-safe. */
    static final class Builder {
        private final PbLocation location;
        private final Map<String, PbLocation> firstSeen = new LinkedHashMap<>();
        private final Map<String, List<PbValue>> values = new LinkedHashMap<>();

        Builder(PbLocation location) {
            this.location = location;
        }

        /** Records that the field appears here; a list may then add zero or more values. */
        void declare(String name, PbLocation at) {
            firstSeen.putIfAbsent(name, at);
            values.computeIfAbsent(name, n -> new ArrayList<>());
        }

        void add(String name, PbValue value) {
            values.get(name).add(value);
        }

        PbMessage build() {
            Map<String, PbField> out = new LinkedHashMap<>();
            firstSeen.forEach((name, at) -> out.put(name, new PbField(name, at, values.get(name))));
            return new PbMessage(location, out);
        }
    }
}
