package io.statim.model.config;

import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbMessage;

import java.util.TreeSet;

/**
 * Binds {@code version_policy}: exactly one of {@code latest { num_versions: N }} (N defaults to 1),
 * {@code all { }} or {@code specific { versions: [ ... ] }}, with N >= 1 and each version >= 1.
 * Stateless.
 */
final class VersionPolicyBinder {
    private static final FieldTable<Draft> TABLE = new FieldTable<Draft>("version_policy")
            .bind("latest", (d, f) -> d.set(f, latest(f.asMessage())))
            .bind("all", (d, f) -> d.set(f, all(f.asMessage())))
            .bind("specific", (d, f) -> d.set(f, specific(f.asMessage())));

    private static final FieldTable<int[]> LATEST = new FieldTable<int[]>("version_policy.latest")
            .bind("num_versions", (n, f) -> {
                n[0] = f.asInt();
                if (n[0] < 1) {
                    throw f.location().error("version_policy latest num_versions=" + n[0] + " must be >= 1");
                }
            });

    private static final FieldTable<Object> ALL = new FieldTable<>("version_policy.all");

    private static final FieldTable<TreeSet<Long>> SPECIFIC = new FieldTable<TreeSet<Long>>("version_policy.specific")
            .bind("versions", (versions, f) -> {
                for (long v : f.asLongs()) {
                    if (v < 1) {
                        throw f.location().error("version_policy specific version " + v + " must be >= 1");
                    }
                    versions.add(v);
                }
            });

    private VersionPolicyBinder() {
    }

    static VersionPolicy bind(PbMessage message) {
        Draft draft = new Draft();
        TABLE.apply(message, draft);
        if (draft.policy == null) {
            throw message.location().error("version_policy needs one of latest, all or specific");
        }
        return draft.policy;
    }

    private static VersionPolicy latest(PbMessage message) {
        int[] n = {1};
        LATEST.apply(message, n);
        return new VersionPolicy.Latest(n[0]);
    }

    private static VersionPolicy all(PbMessage message) {
        ALL.apply(message, new Object());
        return new VersionPolicy.All();
    }

    private static VersionPolicy specific(PbMessage message) {
        TreeSet<Long> versions = new TreeSet<>();
        SPECIFIC.apply(message, versions);
        if (versions.isEmpty()) {
            throw message.location().error("version_policy specific lists no versions");
        }
        return new VersionPolicy.Specific(versions);
    }

    private static final class Draft {
        VersionPolicy policy;

        void set(PbField field, VersionPolicy chosen) {
            if (policy != null) {
                throw field.location().error("version_policy takes one of latest, all or specific, not several");
            }
            policy = chosen;
        }
    }
}
