package io.statim.model.lora;

/**
 * The LoRA weights of one module (one linear layer) of a {@link PeftAdapter}, in PEFT's torch layout:
 * {@code a} is {@code lora_A.weight} of shape {@code [rank, in]} and {@code b} is {@code lora_B.weight}
 * of shape {@code [out, rank]}, so the layer's output gains {@code scale * (x · aᵀ) · bᵀ}. Both tensors
 * are views of the adapter's mapped safetensors file (F32, F16 or BF16) and live as long as it does.
 * Immutable.
 *
 * @param modulePath the module's path without PEFT's {@code base_model.model.} prefix,
 *                   e.g. {@code encoder.layer.0.attention.self.query}
 * @param a          {@code lora_A.weight}, {@code [rank, in]}
 * @param b          {@code lora_B.weight}, {@code [out, rank]}
 * @param scale      {@code lora_alpha / rank}, or {@code lora_alpha / sqrt(rank)} with {@code use_rslora}
 */
public record LoraWeights(String modulePath, SafeTensor a, SafeTensor b, float scale) {
    /** The rank: {@code a}'s rows. */
    public int rank() {
        return (int) a.dim(0);
    }

    /** The layer's input width: {@code a}'s columns. */
    public int in() {
        return (int) a.dim(1);
    }

    /** The layer's output width: {@code b}'s rows. */
    public int out() {
        return (int) b.dim(0);
    }
}
