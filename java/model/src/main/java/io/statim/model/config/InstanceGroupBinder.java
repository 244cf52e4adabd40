package io.statim.model.config;

import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbLocation;
import io.statim.model.pbtxt.PbMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Binds and validates {@code instance_group} sections: {@code name}, {@code count} (default 1),
 * {@code kind} (default {@code KIND_AUTO}) and {@code gpus}. Triton's {@code profile},
 * {@code passive}, {@code host_policy}, {@code secondary_devices} and {@code rate_limiter} are
 * rejected. Stateless.
 */
final class InstanceGroupBinder {
    static final FieldTable<Draft> TABLE = new FieldTable<Draft>("instance_group")
            .bind("name", (d, f) -> d.name = f.asString())
            .bind("count", (d, f) -> d.count = f.asInt())
            .bind("kind", (d, f) -> d.kind = kind(f))
            .bind("gpus", (d, f) -> {
                d.gpus = f.asLongs();
                d.gpusAt = f.location();
            });

    private InstanceGroupBinder() {
    }

    static Draft bind(PbMessage message) {
        Draft draft = new Draft(message.location());
        TABLE.apply(message, draft);
        return draft;
    }

    private static InstanceGroup.Kind kind(PbField field) {
        String name = field.asIdentifier();
        for (InstanceGroup.Kind kind : InstanceGroup.Kind.values()) {
            if (kind.name().equals(name)) {
                return kind;
            }
        }
        throw field.location().error("instance_group kind '" + name + "' is not known; expected one of "
                + Arrays.toString(InstanceGroup.Kind.values()));
    }

    /** An instance group as written, before validation; not thread-safe. */
    static final class Draft {
        final PbLocation location;
        String name;
        int count = 1;
        InstanceGroup.Kind kind = InstanceGroup.Kind.KIND_AUTO;
        List<Long> gpus = List.of();
        PbLocation gpusAt;

        Draft(PbLocation location) {
            this.location = location;
        }

        /** @param defaultName the name when the config gives none, as Triton's {@code <model>_<index>} */
        InstanceGroup validate(String defaultName) {
            String groupName = name == null || name.isEmpty() ? defaultName : name;
            if (count < 1) {
                throw location.error("instance_group '" + groupName + "' count=" + count + " must be >= 1");
            }
            if (!gpus.isEmpty() && kind != InstanceGroup.Kind.KIND_GPU) {
                throw gpusAt.error("instance_group '" + groupName + "' lists gpus but its kind is " + kind
                        + "; gpus need KIND_GPU");
            }
            List<Integer> ordinals = new ArrayList<>(gpus.size());
            for (long gpu : gpus) {
                if (gpu < 0 || gpu > Integer.MAX_VALUE) {
                    throw gpusAt.error("instance_group '" + groupName + "' gpu " + gpu + " must be >= 0");
                }
                ordinals.add((int) gpu);
            }
            return new InstanceGroup(groupName, count, kind, ordinals);
        }
    }
}
