package io.statim.runtime;

import io.statim.runtime.lora.LoraModel;

/**
 * Which instance of a model to create.
 *
 * @param name           e.g. {@code simple_0}, used in logs and thread names
 * @param index          0-based position among the model's instances
 * @param intraOpThreads threads the backend may use inside one execution (0 = the backend's default)
 * @param lora           the model version's LoRA graph and slot pools, shared by all its instances, or
 *                       {@code null} for a model without LoRA; owned by the caller, who closes it after
 *                       the instances
 */
public record InstanceSpec(String name, int index, int intraOpThreads, LoraModel lora) {
    public InstanceSpec {
        if (index < 0) {
            throw new IllegalArgumentException("index=" + index + " must be >= 0");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads=" + intraOpThreads + " must be >= 0");
        }
    }

    /** An instance of a model without LoRA. */
    public InstanceSpec(String name, int index, int intraOpThreads) {
        this(name, index, intraOpThreads, null);
    }
}
