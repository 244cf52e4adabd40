package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a base ONNX model at load so that one batch can mix LoRA adapters (the Punica / S-LoRA
 * idea): each targeted linear layer {@code Y = X · W} ({@code X} of shape {@code [batch, seq, in]},
 * {@code W} an initializer {@code [in, out]}) becomes
 * <pre>
 *   Y' = X · W + (X · Gather(POOL_A, SLOT)) · Gather(POOL_B, SLOT)
 * </pre>
 * where {@code SLOT} (INT64 {@code [batch]}) picks each row's adapter slot, {@code Gather(POOL_A, SLOT)}
 * is {@code [batch, in, maxRank]} and {@code Gather(POOL_B, SLOT)} {@code [batch, maxRank, out]}, so the
 * batched MatMuls apply each row's own {@code Aᵀ} and {@code Bᵀ·scale}. Per target the rewrite adds
 * five nodes (two {@code Gather} on axis 0, two {@code MatMul}, one {@code Add}) and two graph
 * inputs; the graph gains one {@code SLOT} input in all. Those operators are in every opset and in
 * TensorRT's ONNX parser, so the same graph runs on ONNX Runtime and TensorRT. Nothing else changes:
 * the MatMul now writes {@code <Y>/lora_base}, and the {@code Add} writes {@code Y}, so the bias
 * {@code Add} and every other consumer read the sum.
 *
 * <p>Targets are named as PEFT's {@code target_modules} are ({@code "query"} targets every layer whose
 * module path ends with {@code .query}; a full path targets one layer); module paths come from
 * {@link LinearLayers}. Assumption, true for the BERT family's encoder layers: {@code X} has rank 3
 * with the batch first (a 2-D {@code X} would broadcast against the gathered {@code [batch, ...]}
 * weights wrongly). Only FP32 layers are supported.
 *
 * <p>Stateless; safe for any thread. The result shares nothing mutable with the input.
 */
public final class LoraGraphRewrite {
    /** The name of the slot-index input. */
    public static final String SLOT_INPUT = "lora_slot";
    /** The prefix of each target's A-pool input name; the module path follows. */
    public static final String POOL_A_PREFIX = "lora_A.";
    /** The prefix of each target's B-pool input name; the module path follows. */
    public static final String POOL_B_PREFIX = "lora_B.";
    /** The ONNX operators the rewrite adds. */
    public static final List<String> OPERATORS = List.of("Gather", "MatMul", "Add");

    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    private static final int INT64 = TensorProto.DataType.INT64.getNumber();

    private LoraGraphRewrite() {
    }

    /**
     * The rewritten model and what it must be fed.
     *
     * @param model  the base model with a low-rank branch per target
     * @param layout its targets, pool inputs and slot input
     */
    public record Result(ModelProto model, LoraLayout layout) {
    }

    /**
     * Rewrites {@code base} so that each linear layer named by {@code targetModules} gains a low-rank
     * branch reading slot pools of {@code slots} slots (slot 0 the zero slot) of rank up to
     * {@code maxRank}.
     *
     * @throws StatusException INVALID_ARGUMENT when a target matches no linear layer, two layers share
     *                         a module path, a targeted layer is not FP32, a pool would exceed 2^31-1
     *                         elements, or a new name collides with one of the graph's
     */
    public static Result rewrite(ModelProto base, List<String> targetModules, int slots, int maxRank) {
        GraphProto graph = base.getGraph();
        String baseName = graph.getName();
        if (slots < 2) {
            throw invalid(baseName, "slots=" + slots + " must be >= 2 (slot 0 is the zero slot)");
        }
        if (maxRank < 1) {
            throw invalid(baseName, "maxRank=" + maxRank + " must be >= 1");
        }
        if (targetModules.isEmpty()) {
            throw invalid(baseName, "no target modules given");
        }
        List<LinearLayer> selected = select(baseName, LinearLayers.of(graph), targetModules);

        Set<String> names = names(graph);
        Map<String, LinearLayer> byOutput = new HashMap<>();
        Map<String, LoraTarget> targetByOutput = new HashMap<>();
        List<LoraTarget> targets = new ArrayList<>();
        List<ValueInfoProto> poolInputs = new ArrayList<>();
        for (LinearLayer layer : selected) {
            if (layer.elementType() != FLOAT) {
                throw invalid(baseName, "layer '" + layer.modulePath() + "' has weights of ONNX type " + layer.elementType()
                        + "; the LoRA rewrite supports FP32 (type 1) layers");
            }
            long elements = Math.max((long) layer.in(), layer.out()) * maxRank * slots;
            if (elements > Integer.MAX_VALUE) {
                throw invalid(baseName, "the slot pools of layer '" + layer.modulePath() + "' would hold " + elements
                        + " elements, more than 2^31-1: lower slots=" + slots + " or maxRank=" + maxRank);
            }
            LoraTarget target = new LoraTarget(layer.modulePath(), layer.node(),
                    fresh(baseName, names, POOL_A_PREFIX + layer.modulePath()),
                    fresh(baseName, names, POOL_B_PREFIX + layer.modulePath()), layer.in(), layer.out());
            targets.add(target);
            byOutput.put(layer.output(), layer);
            targetByOutput.put(layer.output(), target);
            poolInputs.add(input(target.poolA(), FLOAT, dim(slots), dim(layer.in()), dim(maxRank)));
            poolInputs.add(input(target.poolB(), FLOAT, dim(slots), dim(maxRank), dim(layer.out())));
        }
        String slotInput = fresh(baseName, names, SLOT_INPUT);

        GraphProto.Builder rewritten = graph.toBuilder().clearNode();
        for (NodeProto node : graph.getNodeList()) {
            LinearLayer layer = node.getOpType().equals("MatMul") ? byOutput.get(node.getOutput(0)) : null;
            if (layer == null) {
                rewritten.addNode(node);
                continue;
            }
            LoraTarget target = targetByOutput.get(layer.output());
            // Next to the MatMul in its scope ("/encoder/layer.0/attention/self/query/lora/..."), else by module path.
            String scope = layer.node().endsWith("/MatMul")
                    ? layer.node().substring(0, layer.node().length() - "MatMul".length()) + "lora/"
                    : "/lora/" + layer.modulePath() + "/";
            String yBase = fresh(baseName, names, layer.output() + "/lora_base");
            String a = fresh(baseName, names, scope + "A");
            String xa = fresh(baseName, names, scope + "XA");
            String b = fresh(baseName, names, scope + "B");
            String delta = fresh(baseName, names, scope + "delta");
            rewritten.addNode(node.toBuilder().setOutput(0, yBase));
            rewritten.addNode(node(fresh(baseName, names, scope + "GatherA"), "Gather", List.of(target.poolA(), slotInput), a,
                    axis0()));
            rewritten.addNode(node(fresh(baseName, names, scope + "MatMulXA"), "MatMul", List.of(layer.input(), a), xa));
            rewritten.addNode(node(fresh(baseName, names, scope + "GatherB"), "Gather", List.of(target.poolB(), slotInput), b,
                    axis0()));
            rewritten.addNode(node(fresh(baseName, names, scope + "MatMulXAB"), "MatMul", List.of(xa, b), delta));
            rewritten.addNode(node(fresh(baseName, names, scope + "Add"), "Add", List.of(yBase, delta), layer.output()));
        }
        rewritten.addInput(input(slotInput, INT64, batchDim(graph)));
        rewritten.addAllInput(poolInputs);
        ModelProto model = base.toBuilder().setGraph(rewritten).build();
        return new Result(model, new LoraLayout(baseName, targets, slotInput, slots, maxRank));
    }

    /** The layers that the targets name, each target matching at least one, no module path twice. */
    static List<LinearLayer> select(String baseName, List<LinearLayer> layers, List<String> targetModules) {
        List<LinearLayer> selected = new ArrayList<>();
        Map<String, LinearLayer> byPath = new HashMap<>();
        for (LinearLayer layer : layers) {
            if (ModulePaths.matchesAny(layer.modulePath(), targetModules)) {
                LinearLayer other = byPath.putIfAbsent(ModulePaths.canonical(layer.modulePath()), layer);
                if (other != null) {
                    throw invalid(baseName, "MatMul nodes '" + other.node() + "' and '" + layer.node()
                            + "' both map to module '" + layer.modulePath() + "'");
                }
                selected.add(layer);
            }
        }
        for (String target : targetModules) {
            if (selected.stream().noneMatch(l -> ModulePaths.matches(l.modulePath(), target))) {
                throw invalid(baseName, "target module '" + target + "' matches no linear layer ("
                        + layers.size() + " layers, e.g. '" + (layers.isEmpty() ? "" : layers.getFirst().modulePath()) + "')");
            }
        }
        return selected;
    }

    private static Set<String> names(GraphProto graph) {
        Set<String> names = new HashSet<>();
        graph.getInputList().forEach(v -> names.add(v.getName()));
        graph.getOutputList().forEach(v -> names.add(v.getName()));
        graph.getValueInfoList().forEach(v -> names.add(v.getName()));
        graph.getInitializerList().forEach(v -> names.add(v.getName()));
        for (NodeProto node : graph.getNodeList()) {
            names.add(node.getName());
            names.addAll(node.getOutputList());
        }
        return names;
    }

    private static String fresh(String baseName, Set<String> names, String name) {
        if (!names.add(name)) {
            throw invalid(baseName, "the LoRA rewrite's name '" + name + "' is already used in the graph");
        }
        return name;
    }

    private static NodeProto node(String name, String op, List<String> inputs, String output, AttributeProto... attributes) {
        return NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)).build();
    }

    private static AttributeProto axis0() {
        return AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build();
    }

    /** The batch dimension's symbol of the graph's first input, so that tools see SLOT share it. */
    private static TensorShapeProto.Dimension batchDim(GraphProto graph) {
        if (graph.getInputCount() > 0) {
            TypeProto type = graph.getInput(0).getType();
            if (type.hasTensorType() && type.getTensorType().getShape().getDimCount() > 0) {
                TensorShapeProto.Dimension first = type.getTensorType().getShape().getDim(0);
                if (first.hasDimParam()) {
                    return first;
                }
            }
        }
        return TensorShapeProto.Dimension.newBuilder().setDimParam("batch").build();
    }

    private static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    private static ValueInfoProto input(String name, int elementType, TensorShapeProto.Dimension... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape)))
                .build();
    }

    static StatusException invalid(String baseName, String message) {
        return new StatusException(Status.invalidArgument("LoRA rewrite of '" + baseName + "': " + message));
    }
}
