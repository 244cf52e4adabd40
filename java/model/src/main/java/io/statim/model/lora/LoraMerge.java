package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Merges an adapter's weights into a copy of its base model: the reference that the rewritten graph
 * is tested against, and a way to serve one adapter without the branch.
 *
 * <p>PEFT's delta of a linear layer is {@code ΔW_torch = B · A · scale} ({@code [out, in]}, the layout of
 * {@code nn.Linear.weight}); an ONNX MatMul's weight is its transpose {@code [in, out]}, so the merged
 * initializer is {@code W + Aᵀ · Bᵀ · scale}, summed in double and rounded to FP32 once. With
 * {@code fan_in_fan_out} (GPT-2's {@code Conv1D}) the torch base weight is already {@code [in, out]}
 * and PEFT transposes {@code B · A} to match; {@code lora_A}/{@code lora_B} keep their layouts, so
 * in the ONNX graph, whose MatMul weight is {@code [in, out]} either way, the same formula applies and
 * the flag changes nothing.
 *
 * <p>A weight that other nodes also read is not changed: the layer gets a merged copy of its own.
 * Stateless; safe for any thread.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    /**
     * The base model with every module of the adapter merged into its layer's weight.
     *
     * @throws io.statim.core.status.StatusException INVALID_ARGUMENT when a module has no layer in the
     *                                               base, its widths differ, or the layer is not FP32
     *                                               with its data inside the model
     */
    public static ModelProto merge(ModelProto base, PeftAdapter adapter) {
        GraphProto graph = base.getGraph();
        String baseName = graph.getName();
        Map<String, LinearLayer> layers = new HashMap<>();
        for (LinearLayer layer : LinearLayers.of(graph)) {
            layers.put(ModulePaths.canonical(layer.modulePath()), layer);
        }
        Map<String, Integer> uses = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                uses.merge(input, 1, Integer::sum);
            }
        }
        Map<String, Integer> initializerIndex = new HashMap<>();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            initializerIndex.put(graph.getInitializer(i).getName(), i);
        }
        Map<String, Integer> nodeIndex = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            nodeIndex.put(graph.getNode(i).getOutput(0), i);
        }

        GraphProto.Builder merged = graph.toBuilder();
        for (LoraWeights module : adapter.modules()) {
            LinearLayer layer = layers.get(ModulePaths.canonical(module.modulePath()));
            if (layer == null) {
                throw LoraLayout.mismatch(adapter, module.a(), "is for module '" + module.modulePath()
                        + "', which base model '" + baseName + "' has no linear layer for");
            }
            LoraLayout.checkFits(adapter, module, layer.modulePath(), layer.in(), layer.out());
            int index = initializerIndex.get(layer.weight());
            TensorProto w = merged.getInitializer(index);
            float[] values = mergedWeight(baseName, layer, w, module);
            ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(values);
            TensorProto.Builder data = w.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(raw.array()));
            if (uses.getOrDefault(layer.weight(), 0) == 1) {
                merged.setInitializer(index, data);
            } else {
                String name = layer.weight() + "/lora_merged";
                merged.addInitializer(data.setName(name));
                int n = nodeIndex.get(layer.output());
                merged.setNode(n, merged.getNode(n).toBuilder().setInput(1, name));
            }
        }
        return base.toBuilder().setGraph(merged).build();
    }

    private static float[] mergedWeight(String baseName, LinearLayer layer, TensorProto w, LoraWeights module) {
        if (w.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            throw LoraGraphRewrite.invalid(baseName, "layer '" + layer.modulePath() + "' has weights of ONNX type "
                    + w.getDataType() + "; merging supports FP32 (type 1)");
        }
        if (w.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw LoraGraphRewrite.invalid(baseName, "layer '" + layer.modulePath() + "' keeps its weights in an external file;"
                    + " merging needs them inside the model");
        }
        int in = layer.in();
        int out = layer.out();
        float[] values = new float[in * out];
        if (w.getFloatDataCount() == values.length) {
            for (int i = 0; i < values.length; i++) {
                values[i] = w.getFloatData(i);
            }
        } else if (w.getRawData().size() == values.length * Float.BYTES) {
            w.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            throw LoraGraphRewrite.invalid(baseName, "layer '" + layer.modulePath() + "' weight '" + w.getName()
                    + "' does not hold " + values.length + " FP32 values");
        }
        int rank = module.rank();
        double scale = module.scale();
        float[] a = module.a().toFloatArray();   // [rank, in]
        float[] b = module.b().toFloatArray();   // [out, rank]
        double[] aColumn = new double[rank];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < rank; j++) {
                aColumn[j] = a[j * in + i];
            }
            for (int o = 0; o < out; o++) {
                double sum = 0;
                int row = o * rank;
                for (int j = 0; j < rank; j++) {
                    sum += aColumn[j] * b[row + j];
                }
                values[i * out + o] = (float) (values[i * out + o] + sum * scale);
            }
        }
        return values;
    }
}
