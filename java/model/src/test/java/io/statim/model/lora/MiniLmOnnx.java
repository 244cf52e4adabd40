package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.ModelProto;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** all-MiniLM-L6-v2's ONNX model from langchain4j's jar (a test dependency), parsed once per JVM. */
final class MiniLmOnnx {
    static final String RESOURCE = "/all-minilm-l6-v2.onnx";
    static final int HIDDEN = 384;
    static final int INTERMEDIATE = 1536;
    static final int LAYERS = 6;

    private static ModelProto model;

    private MiniLmOnnx() {
    }

    static synchronized ModelProto model() {
        if (model == null) {
            try (InputStream in = MiniLmOnnx.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is not on the test classpath");
                }
                model = ModelProto.parseFrom(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }
}
