package io.statim.runtime.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP {@link Pointer} at a raw address (a pooled device buffer, a pinned host buffer), so that
 * JavaCPP's CUDA and TensorRT calls can take the memory of Statim's pools. It owns nothing: no
 * deallocator, never freed through it. Touched only after {@link CudaRuntime#available()}.
 */
public final class AddressPointer extends Pointer {
    /** A pointer at {@code address}. */
    public AddressPointer(long address) {
        this.address = address;
    }

    /** Points this pointer at {@code address}; for reuse on a hot path. Returns this. */
    public AddressPointer at(long address) {
        this.address = address;
        return this;
    }
}
