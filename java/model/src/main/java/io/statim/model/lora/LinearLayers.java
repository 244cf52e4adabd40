package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the linear layers of an ONNX graph and names them by the PyTorch module they were exported
 * from, so that PEFT's module paths can be mapped onto MatMul nodes.
 *
 * <p>A linear layer is a {@code MatMul} whose second input is a 2-D initializer ({@code [in, out]};
 * torch.onnx exports {@code nn.Linear} on 3-D activations that way, with the bias as a following
 * {@code Add}). {@code Gemm} nodes (2-D activations) are not linear layers here. Its module path is
 * found by the first of these rules that applies:
 * <ol>
 *   <li>the node name: torch.onnx (and optimum, which calls it) names nodes by module scope, e.g.
 *       {@code /encoder/layer.0/attention/self/query/MatMul}; the path is the scope with {@code '/'}
 *       turned into {@code '.'}: {@code encoder.layer.0.attention.self.query};</li>
 *   <li>the bias: older exports name nodes {@code MatMul_42}, but keep parameter names on the bias
 *       initializer that the only consumer ({@code Add}) of the MatMul's output reads,
 *       e.g. {@code encoder.layer.0.attention.self.query.bias}; the path is that name less
 *       {@code .bias};</li>
 *   <li>the weight: an initializer named {@code <path>.weight}.</li>
 * </ol>
 * MatMuls that none of these name (and MatMuls between activations, such as attention scores) are
 * left out. Stateless; safe for any thread.
 */
public final class LinearLayers {
    private LinearLayers() {
    }

    /** The graph's linear layers in node order. */
    public static List<LinearLayer> of(GraphProto graph) {
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
            }
        }
        List<LinearLayer> layers = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            if (!node.getOpType().equals("MatMul") || !node.getDomain().isEmpty() || node.getInputCount() != 2) {
                continue;
            }
            TensorProto w = initializers.get(node.getInput(1));
            if (w == null || w.getDimsCount() != 2 || w.getDims(0) > Integer.MAX_VALUE || w.getDims(1) > Integer.MAX_VALUE) {
                continue;
            }
            String path = modulePath(node, initializers, consumers);
            if (path != null) {
                layers.add(new LinearLayer(path, node.getName(), node.getInput(0), w.getName(), node.getOutput(0),
                        (int) w.getDims(0), (int) w.getDims(1), w.getDataType()));
            }
        }
        return layers;
    }

    private static String modulePath(NodeProto node, Map<String, TensorProto> initializers,
                                     Map<String, List<NodeProto>> consumers) {
        String name = node.getName();
        if (name.startsWith("/") && name.endsWith("/MatMul") && name.length() > "//MatMul".length()) {
            return name.substring(1, name.length() - "/MatMul".length()).replace('/', '.');
        }
        List<NodeProto> next = consumers.getOrDefault(node.getOutput(0), List.of());
        if (next.size() == 1 && next.getFirst().getOpType().equals("Add")) {
            for (String input : next.getFirst().getInputList()) {
                if (initializers.containsKey(input) && input.endsWith(".bias") && input.length() > ".bias".length()) {
                    return input.substring(0, input.length() - ".bias".length());
                }
            }
        }
        String weight = node.getInput(1);
        if (weight.endsWith(".weight") && weight.length() > ".weight".length()) {
            return weight.substring(0, weight.length() - ".weight".length());
        }
        return null;
    }
}
