package io.statim.runtime.text;

import io.statim.core.device.Device;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;

/**
 * Where a backend learns whether a model is a text pipeline and gets an instance of it. Stateless;
 * safe for any thread.
 */
public final class TextPipelines {
    private TextPipelines() {
    }

    /** True when the config declares a text pipeline, that is, names a {@link TextPipelineConfig#TOKENIZER}. */
    public static boolean isTextPipeline(ModelConfig config) {
        return config.parameters().containsKey(TextPipelineConfig.TOKENIZER);
    }

    /**
     * Opens one instance of a text pipeline; the caller owns it and closes it.
     *
     * @throws io.statim.core.status.StatusException INVALID_ARGUMENT when the pipeline, the tokenizer or
     *     the graph does not fit; nothing is left open
     */
    public static ModelInstance newInstance(ModelSource source, long version, InstanceSpec spec, Device device) {
        return new TextEmbeddingInstance(source, version, spec, device);
    }
}
