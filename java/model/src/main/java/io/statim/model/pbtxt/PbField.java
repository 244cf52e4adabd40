package io.statim.model.pbtxt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A field of a {@link PbMessage} with every value given for it, and typed access whose errors name
 * the field and the line: {@code "config.pbtxt:4: field 'max_batch_size' expects an integer, found
 * \"8\""}. Immutable; safe for any thread.
 */
public final class PbField {
    private final String name;
    private final PbLocation location;
    private final List<PbValue> values;

    PbField(String name, PbLocation location, List<PbValue> values) {
        this.name = Objects.requireNonNull(name, "name");
        this.location = Objects.requireNonNull(location, "location");
        this.values = List.copyOf(values);
    }

    public String name() {
        return name;
    }

    /** Where the field first appears. */
    public PbLocation location() {
        return location;
    }

    /** Every value in order; empty for {@code name: []}. */
    public List<PbValue> values() {
        return values;
    }

    /** The one value of a singular field; an error when it has none or several. */
    public PbValue single() {
        if (values.size() == 1) {
            return values.getFirst();
        }
        if (values.isEmpty()) {
            throw location.error("field '" + name + "' has no value");
        }
        throw values.get(1).location().error(
                "field '" + name + "' is given " + values.size() + " times; it takes one value");
    }

    /** The string of a singular string field. */
    public String asString() {
        return scalar(single(), PbScalar.Kind.STRING, "a string").text();
    }

    /** The identifier of a singular enum field, e.g. {@code TYPE_FP32}. */
    public String asIdentifier() {
        return scalar(single(), PbScalar.Kind.IDENTIFIER, "an identifier").text();
    }

    /** The value of a singular integer field (decimal, {@code 0x} hex or {@code 0} octal). */
    public long asLong() {
        return toLong(single());
    }

    /** The value of a singular integer field that must fit in an int32. */
    public int asInt() {
        PbValue value = single();
        long v = toLong(value);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw value.location().error("field '" + name + "' value " + v + " is out of range for int32");
        }
        return (int) v;
    }

    /** The value of a singular bool field: {@code true}/{@code false} ({@code True}, {@code t}, 1...). */
    public boolean asBoolean() {
        PbValue value = single();
        if (value instanceof PbScalar s && s.kind() != PbScalar.Kind.STRING) {
            switch (s.text()) {
                case "true", "True", "t", "1" -> {
                    return true;
                }
                case "false", "False", "f", "0" -> {
                    return false;
                }
                default -> { }
            }
        }
        throw mismatch(value, "true or false");
    }

    /** The nested message of a singular message field. */
    public PbMessage asMessage() {
        return message(single());
    }

    /** Every value of a repeated integer field. */
    public List<Long> asLongs() {
        List<Long> out = new ArrayList<>(values.size());
        for (PbValue value : values) {
            out.add(toLong(value));
        }
        return out;
    }

    /** Every value of a repeated message field. */
    public List<PbMessage> asMessages() {
        List<PbMessage> out = new ArrayList<>(values.size());
        for (PbValue value : values) {
            out.add(message(value));
        }
        return out;
    }

    private long toLong(PbValue value) {
        PbScalar s = scalar(value, PbScalar.Kind.NUMBER, "an integer");
        try {
            return Long.decode(s.text());
        } catch (NumberFormatException notAnInteger) {
            throw mismatch(value, "an integer");
        }
    }

    private PbMessage message(PbValue value) {
        if (value instanceof PbMessage m) {
            return m;
        }
        throw mismatch(value, "a message { ... }");
    }

    private PbScalar scalar(PbValue value, PbScalar.Kind kind, String expected) {
        if (value instanceof PbScalar s && s.kind() == kind) {
            return s;
        }
        throw mismatch(value, expected);
    }

    private RuntimeException mismatch(PbValue value, String expected) {
        String found = value instanceof PbScalar s ? s.display() : "a message";
        return value.location().error("field '" + name + "' expects " + expected + ", found " + found);
    }

    @Override
    public String toString() {
        return name + "@" + location + "=" + values;
    }
}
