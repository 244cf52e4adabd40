package io.statim.model.lora;

/**
 * One linear layer that {@link LoraGraphRewrite} gave a low-rank branch, and the two graph inputs
 * that feed it: {@code poolA} of shape {@code [slots, in, maxRank]} and {@code poolB} of shape
 * {@code [slots, maxRank, out]}, both FP32 (see {@link LoraLayout} for their contents). Immutable.
 *
 * @param modulePath the layer's module path in the graph, e.g. {@code encoder.layer.0.attention.self.query}
 * @param node       the name of the layer's MatMul node
 * @param poolA      the name of the graph input holding every slot's {@code Aᵀ}
 * @param poolB      the name of the graph input holding every slot's {@code Bᵀ · scale}
 * @param in         the layer's input width
 * @param out        the layer's output width
 */
public record LoraTarget(String modulePath, String node, String poolA, String poolB, int in, int out) {
}
