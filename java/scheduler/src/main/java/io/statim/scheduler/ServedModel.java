package io.statim.scheduler;

import io.statim.model.config.ModelConfig;
import io.statim.scheduler.lora.AdapterRegistry;

/**
 * One version of a model that is loaded and serving: its configuration, its scheduler, its statistics
 * and, for a model served with LoRA adapters, its adapter registry. Immutable apart from what its
 * parts count; safe for any thread.
 *
 * @param adapters the model version's LoRA adapters, or {@code null} when its config has no
 *                 {@code lora_target_modules}
 */
public record ServedModel(ModelConfig config, long version, Scheduler scheduler, ModelStatistics statistics,
                          AdapterRegistry adapters) {
    /** A version that serves no LoRA adapters. */
    public ServedModel(ModelConfig config, long version, Scheduler scheduler, ModelStatistics statistics) {
        this(config, version, scheduler, statistics, null);
    }

    public String name() {
        return config.name();
    }

    /**
     * Stops serving: closes the scheduler (which closes the instances), then frees the adapters' slot
     * pools and host images once no instance can read them any more. Blocks as {@link Scheduler#close()} does.
     */
    public void close() {
        try {
            scheduler.close();
        } finally {
            if (adapters != null) {
                // After the last instance is closed, even one whose execution outlived close()'s wait:
                // ONNX Runtime reads the pools until then.
                scheduler.afterInstancesClosed(adapters::close);
            }
        }
    }
}
