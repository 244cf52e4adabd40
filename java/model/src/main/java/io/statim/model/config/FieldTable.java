package io.statim.model.config;

import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The fields one kind of config message may have: each bound field has a binder that copies it into a
 * draft; each ignored field is accepted with a warning; any other field is an error naming it and its
 * line, so that nothing which would change behaviour is silently dropped. Supporting a new field is
 * one more {@link #bind} call.
 *
 * <p>Filled in a static initializer, then only read; safe to share between threads after that.
 *
 * @param <D> the draft the fields are bound into
 */
final class FieldTable<D> {
    private static final Logger LOG = LoggerFactory.getLogger(FieldTable.class);

    /** Copies one field into a draft, converting and checking its type. */
    @FunctionalInterface
    interface Binder<D> {
        void bind(D draft, PbField field);
    }

    private final String prefix;
    private final Map<String, Binder<D>> binders = new HashMap<>();
    private final Set<String> ignored = new HashSet<>();

    /** @param path the message's path for error messages, e.g. {@code "input"}; empty at top level */
    FieldTable(String path) {
        this.prefix = path.isEmpty() ? "" : path + ".";
    }

    FieldTable<D> bind(String field, Binder<D> binder) {
        binders.put(field, binder);
        return this;
    }

    /** Accepts the field and ignores it with a warning; only for fields that do not change results. */
    FieldTable<D> ignore(String field) {
        ignored.add(field);
        return this;
    }

    /** Binds every field of {@code message} into {@code draft}, in order. */
    void apply(PbMessage message, D draft) {
        for (PbField field : message.fields()) {
            Binder<D> binder = binders.get(field.name());
            if (binder != null) {
                binder.bind(draft, field);
            } else if (ignored.contains(field.name())) {
                LOG.warn("{}: field '{}{}' is ignored by Statim", field.location(), prefix, field.name());
            } else {
                throw field.location().error("field '" + prefix + field.name() + "' is not supported by Statim");
            }
        }
    }
}
