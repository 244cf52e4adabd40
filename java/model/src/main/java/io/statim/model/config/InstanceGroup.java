package io.statim.model.config;

import java.util.List;
import java.util.Objects;

/**
 * A group of {@code count} execution instances of a model on one kind of device, from
 * {@code instance_group} in {@code config.pbtxt}. {@code gpus} lists device ordinals for
 * {@link Kind#KIND_GPU} (empty means every visible GPU, as in Triton). Immutable; safe for any thread.
 */
public record InstanceGroup(String name, int count, Kind kind, List<Integer> gpus) {

    /** Where the instances run; the names are Triton's. */
    public enum Kind {
        /** GPU when one is available, else CPU; the runtime decides. */
        KIND_AUTO,
        KIND_CPU,
        KIND_GPU,
        /** The model itself places its work. */
        KIND_MODEL
    }

    public InstanceGroup {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        gpus = List.copyOf(gpus);
    }
}
