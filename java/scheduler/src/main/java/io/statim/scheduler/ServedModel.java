package io.statim.scheduler;

import io.statim.model.config.ModelConfig;

/**
 * One version of a model that is loaded and serving: its configuration, its scheduler and its
 * statistics. Immutable apart from what its parts count; safe for any thread.
 */
public record ServedModel(ModelConfig config, long version, Scheduler scheduler, ModelStatistics statistics) {
    public String name() {
        return config.name();
    }
}
