package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.statim.model.onnx.LoraToyModel;

/**
 * A small BERT-like encoder built the way torch.onnx exports HuggingFace's BertModel: per layer the
 * query/key/value, attention.output.dense, intermediate.dense and output.dense linear layers as
 * {@code MatMul} with an initializer named {@code onnx::MatMul_<n>} followed by a bias {@code Add}
 * reading {@code <module>.bias}, single-head attention (MatMuls between activations), residuals and
 * LayerNormalization. Input {@code hidden_in} FP32 {@code [batch, seq, HIDDEN]}, output
 * {@code last_hidden_state} of the same shape.
 */
final class ToyBert {
    static final int HIDDEN = 32;
    static final int INTERMEDIATE = 64;
    static final String INPUT = "hidden_in";
    static final String OUTPUT = "last_hidden_state";

    private ToyBert() {
    }

    /**
     * The encoder with {@code layers} layers; {@code scopedNames} gives nodes torch.onnx's scoped names
     * ({@code /encoder/layer.0/attention/self/query/MatMul}), else older exports' {@code MatMul_<n>}.
     */
    static ModelProto build(int layers, long seed, boolean scopedNames) {
        return LoraToyModel.build("toy_bert", layers, HIDDEN, INTERMEDIATE, seed, scopedNames, INPUT, OUTPUT);
    }
}
