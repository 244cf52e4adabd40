package io.statim.model.lora;

/**
 * A linear layer of an ONNX graph as the LoRA tools see it: a {@code MatMul} node {@code Y = X · W}
 * whose second input {@code W} is a 2-D initializer {@code [in, out]}, with the module path it was
 * mapped to (see {@link LinearLayers}). Immutable.
 *
 * @param modulePath  the PyTorch module path, e.g. {@code encoder.layer.0.attention.self.query}
 * @param node        the MatMul node's name
 * @param input       {@code X}'s value name
 * @param weight      {@code W}'s initializer name
 * @param output      {@code Y}'s value name
 * @param in          {@code W}'s rows
 * @param out         {@code W}'s columns
 * @param elementType {@code W}'s ONNX element type (1 = FLOAT)
 */
public record LinearLayer(String modulePath, String node, String input, String weight, String output,
                          int in, int out, int elementType) {
}
