package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.statim.core.tensor.DataType;
import io.statim.model.onnx.OnnxGraphBuilder;

import java.util.List;
import java.util.Random;

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

    private final OnnxGraphBuilder g = new OnnxGraphBuilder("toy_bert");
    private final Random random;
    private final boolean scopedNames;
    private int counter;

    private ToyBert(long seed, boolean scopedNames) {
        this.random = new Random(seed);
        this.scopedNames = scopedNames;
    }

    /**
     * The encoder with {@code layers} layers; {@code scopedNames} gives nodes torch.onnx's scoped names
     * ({@code /encoder/layer.0/attention/self/query/MatMul}), else older exports' {@code MatMul_<n>}.
     */
    static ModelProto build(int layers, long seed, boolean scopedNames) {
        return new ToyBert(seed, scopedNames).encoder(layers);
    }

    private ModelProto encoder(int layers) {
        g.input(INPUT, DataType.FP32, -1, -1, HIDDEN);
        g.initializer(OnnxGraphBuilder.floatTensor("attention_scale", new long[] {}, (float) (1 / Math.sqrt(HIDDEN))));
        String h = INPUT;
        for (int l = 0; l < layers; l++) {
            h = layer(l, h, l == layers - 1 ? OUTPUT : "/encoder/layer." + l + "/output/LayerNorm/output_0");
        }
        g.output(OUTPUT, DataType.FP32, -1, -1, HIDDEN);
        return g.build();
    }

    private String layer(int l, String h, String out) {
        String p = "/encoder/layer." + l;
        String q = linear(p + "/attention/self/query", h, HIDDEN, HIDDEN);
        String k = linear(p + "/attention/self/key", h, HIDDEN, HIDDEN);
        String v = linear(p + "/attention/self/value", h, HIDDEN, HIDDEN);
        node(p + "/attention/self/Transpose", "Transpose", List.of(k), p + "/attention/self/Transpose_output_0",
                OnnxGraphBuilder.intsAttribute("perm", 0, 2, 1));
        node(p + "/attention/self/MatMul", "MatMul", List.of(q, p + "/attention/self/Transpose_output_0"),
                p + "/attention/self/MatMul_output_0");
        node(p + "/attention/self/Mul", "Mul", List.of(p + "/attention/self/MatMul_output_0", "attention_scale"),
                p + "/attention/self/Mul_output_0");
        node(p + "/attention/self/Softmax", "Softmax", List.of(p + "/attention/self/Mul_output_0"),
                p + "/attention/self/Softmax_output_0", OnnxGraphBuilder.intAttribute("axis", -1));
        node(p + "/attention/self/MatMul_1", "MatMul", List.of(p + "/attention/self/Softmax_output_0", v),
                p + "/attention/self/MatMul_1_output_0");
        String attention = linear(p + "/attention/output/dense", p + "/attention/self/MatMul_1_output_0", HIDDEN, HIDDEN);
        String h1 = residualNorm(p + "/attention/output", attention, h, p + "/attention/output/LayerNorm/output_0");
        String inter = linear(p + "/intermediate/dense", h1, HIDDEN, INTERMEDIATE);
        node(p + "/intermediate/intermediate_act_fn/Relu", "Relu", List.of(inter), p + "/intermediate/Relu_output_0");
        String dense = linear(p + "/output/dense", p + "/intermediate/Relu_output_0", INTERMEDIATE, HIDDEN);
        return residualNorm(p + "/output", dense, h1, out);
    }

    /** {@code MatMul(x, W) + bias}, named as torch.onnx names nn.Linear on 3-D inputs. */
    private String linear(String scope, String x, int in, int out) {
        String module = scope.substring(1).replace('/', '.');
        String weight = "onnx::MatMul_" + (700 + counter++);
        g.initializer(OnnxGraphBuilder.floatTensor(weight, new long[] {in, out}, uniform(in * out, 1 / Math.sqrt(in))));
        g.initializer(OnnxGraphBuilder.floatTensor(module + ".bias", new long[] {out}, uniform(out, 0.1)));
        node(scopedNames ? scope + "/MatMul" : "MatMul_" + counter++, "MatMul", List.of(x, weight), scope + "/MatMul_output_0");
        node(scopedNames ? scope + "/Add" : "Add_" + counter++, "Add", List.of(module + ".bias", scope + "/MatMul_output_0"),
                scope + "/Add_output_0");
        return scope + "/Add_output_0";
    }

    private String residualNorm(String scope, String x, String residual, String out) {
        String module = scope.substring(1).replace('/', '.');
        g.initializer(OnnxGraphBuilder.floatTensor(module + ".LayerNorm.weight", new long[] {HIDDEN}, constant(HIDDEN, 1f)));
        g.initializer(OnnxGraphBuilder.floatTensor(module + ".LayerNorm.bias", new long[] {HIDDEN}, constant(HIDDEN, 0f)));
        node(scope + "/Add_1", "Add", List.of(x, residual), scope + "/Add_1_output_0");
        node(scope + "/LayerNorm/LayerNormalization", "LayerNormalization",
                List.of(scope + "/Add_1_output_0", module + ".LayerNorm.weight", module + ".LayerNorm.bias"), out,
                OnnxGraphBuilder.intAttribute("axis", -1), OnnxGraphBuilder.floatAttribute("epsilon", 1e-12f));
        return out;
    }

    private void node(String name, String op, List<String> inputs, String output,
                      ai.onnx.proto.OnnxMl.AttributeProto... attributes) {
        g.namedNode(name, op, inputs, List.of(output), attributes);
    }

    private float[] uniform(int n, double bound) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return values;
    }

    private static float[] constant(int n, float value) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, value);
        return values;
    }
}
