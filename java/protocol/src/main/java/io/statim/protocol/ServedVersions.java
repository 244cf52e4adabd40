package io.statim.protocol;

import io.statim.core.status.StatusException;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The model versions that metadata and statistics calls report, chosen the same way for every
 * protocol. Lock-free lookups in the {@link ModelManager}; any thread, event loops included.
 */
public final class ServedVersions {
    private ServedVersions() {
    }

    /**
     * The versions whose statistics a request asks for: every served version of every model when
     * {@code model} is empty, every served version of the model for {@link InferenceRequest#LATEST},
     * else the one version.
     *
     * @throws StatusException NOT_FOUND or UNAVAILABLE as {@link ModelManager#resolve} does, when a named
     *     model or version is not being served
     */
    public static List<ServedModel> forStatistics(ModelManager models, String model, long version) {
        if (model.isEmpty()) {
            return models.served();
        }
        List<ServedModel> versions = models.servedVersions(model);
        if (versions.isEmpty() || version != InferenceRequest.LATEST) {
            return List.of(models.resolve(model, version));
        }
        return versions;
    }

    /** The version numbers of a model being served, oldest first; empty when none is. */
    public static List<Long> numbers(ModelManager models, String model) {
        List<ServedModel> served = models.servedVersions(model);
        List<Long> out = new ArrayList<>(served.size());
        for (ServedModel m : served) {
            out.add(m.version());
        }
        return out;
    }
}
