package io.statim.runtime.cuda.tensorrt;

import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;

/** config.pbtxt texts for the TensorRT tests. */
final class Configs {
    private Configs() {
    }

    static ModelConfig parse(String text) {
        return ModelConfigParser.parse(text, "config.pbtxt", "m");
    }

    /** A batching model with a fixed input X [4] and a text-like input IDS [-1], on a GPU. */
    static ModelConfig gpu(String extra) {
        return parse("max_batch_size: 16\n"
                + "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] },\n"
                + "        { name: \"IDS\" data_type: TYPE_INT64 dims: [ -1 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "instance_group [ { kind: KIND_GPU } ]\n" + extra);
    }

    static String parameter(String key, String value) {
        return "parameters { key: \"" + key + "\" value: { string_value: \"" + value + "\" } }\n";
    }
}
