package io.statim.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import io.statim.core.tensor.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The {@code lora_toy} model of {@link TestModels}: a small BERT-like encoder built the way torch.onnx
 * exports HuggingFace's BertModel, so that the LoRA rewrite finds its linear layers by their scoped
 * node names ({@code /encoder/layer.0/attention/self/query/MatMul}). Per layer: query, key, value,
 * attention.output.dense, intermediate.dense and output.dense as {@code MatMul} with an initializer
 * {@code onnx::MatMul_<n>} and a bias {@code Add} reading {@code <module>.bias}; single-head attention;
 * residuals and LayerNormalization. Weights are seeded, so every build is the same model. Not
 * thread-safe; one builder per model.
 */
public final class LoraToyModel {
    private final OnnxGraphBuilder g;
    private final Random random;
    private final List<TestModels.Linear> linears = new ArrayList<>();
    private final int hidden;
    private final int intermediate;
    private final boolean scopedNames;
    private final String input;
    private final String output;
    private int counter;

    private LoraToyModel(String name, int hidden, int intermediate, long seed, boolean scopedNames, String input, String output) {
        this.g = new OnnxGraphBuilder(name);
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.random = new Random(seed);
        this.scopedNames = scopedNames;
        this.input = input;
        this.output = output;
    }

    private LoraToyModel(int hidden, int intermediate) {
        this(TestModels.LORA_TOY, hidden, intermediate, 7, true, TestModels.LORA_TOY_INPUT, TestModels.LORA_TOY_OUTPUT);
    }

    /** The model with {@code layers} encoder layers. */
    static ModelProto build(int layers, int hidden, int intermediate) {
        return new LoraToyModel(hidden, intermediate).encoder(layers);
    }

    /**
     * A variant for graph tests: its own seed, names and tensor names; {@code scopedNames} false gives
     * the linear layers older exports' unscoped node names ({@code MatMul_<n>}, {@code Add_<n>}).
     */
    public static ModelProto build(String name, int layers, int hidden, int intermediate, long seed, boolean scopedNames, String input,
            String output) {
        return new LoraToyModel(name, hidden, intermediate, seed, scopedNames, input, output).encoder(layers);
    }

    /** The linear layers of the model with {@code layers} layers, in graph order. */
    static List<TestModels.Linear> linears(int layers, int hidden, int intermediate) {
        LoraToyModel model = new LoraToyModel(hidden, intermediate);
        model.encoder(layers);
        return List.copyOf(model.linears);
    }

    private ModelProto encoder(int layers) {
        g.input(input, DataType.FP32, -1, -1, hidden);
        g.initializer(OnnxGraphBuilder.floatTensor("attention_scale", new long[] {}, (float) (1 / Math.sqrt(hidden))));
        String h = input;
        for (int l = 0; l < layers; l++) {
            h = layer(l, h, l == layers - 1 ? output : "/encoder/layer." + l + "/output/LayerNorm/output_0");
        }
        g.output(output, DataType.FP32, -1, -1, hidden);
        return g.build();
    }

    private String layer(int l, String h, String out) {
        String p = "/encoder/layer." + l;
        String q = linear(p + "/attention/self/query", h, hidden, hidden);
        String k = linear(p + "/attention/self/key", h, hidden, hidden);
        String v = linear(p + "/attention/self/value", h, hidden, hidden);
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
        String attention = linear(p + "/attention/output/dense", p + "/attention/self/MatMul_1_output_0", hidden, hidden);
        String h1 = residualNorm(p + "/attention/output", attention, h, p + "/attention/output/LayerNorm/output_0");
        String inter = linear(p + "/intermediate/dense", h1, hidden, intermediate);
        node(p + "/intermediate/intermediate_act_fn/Relu", "Relu", List.of(inter), p + "/intermediate/Relu_output_0");
        String dense = linear(p + "/output/dense", p + "/intermediate/Relu_output_0", intermediate, hidden);
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
        linears.add(new TestModels.Linear(module, in, out));
        return scope + "/Add_output_0";
    }

    private String residualNorm(String scope, String x, String residual, String out) {
        String module = scope.substring(1).replace('/', '.');
        g.initializer(OnnxGraphBuilder.floatTensor(module + ".LayerNorm.weight", new long[] {hidden}, constant(hidden, 1f)));
        g.initializer(OnnxGraphBuilder.floatTensor(module + ".LayerNorm.bias", new long[] {hidden}, constant(hidden, 0f)));
        node(scope + "/Add_1", "Add", List.of(x, residual), scope + "/Add_1_output_0");
        node(scope + "/LayerNorm/LayerNormalization", "LayerNormalization",
                List.of(scope + "/Add_1_output_0", module + ".LayerNorm.weight", module + ".LayerNorm.bias"), out,
                OnnxGraphBuilder.intAttribute("axis", -1), OnnxGraphBuilder.floatAttribute("epsilon", 1e-12f));
        return out;
    }

    private void node(String name, String op, List<String> inputs, String output, AttributeProto... attributes) {
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
        Arrays.fill(values, value);
        return values;
    }
}
