package io.statim.runtime;

/**
 * Which instance of a model to create.
 *
 * @param name           e.g. {@code simple_0}, used in logs and thread names
 * @param index          0-based position among the model's instances
 * @param intraOpThreads threads the backend may use inside one execution (0 = the backend's default)
 */
public record InstanceSpec(String name, int index, int intraOpThreads) {
    public InstanceSpec {
        if (index < 0) {
            throw new IllegalArgumentException("index=" + index + " must be >= 0");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads=" + intraOpThreads + " must be >= 0");
        }
    }
}
