package io.statim.core.device;

/** What device memory is used for; each use has its own byte budget on a {@link Device}. */
public enum MemoryUse {
    /** Request inputs decoded by the front end and batch staging buffers. */
    STAGING,
    /** Model outputs, held until the response is written. */
    OUTPUT,
    /** Tensors that sessions keep resident between requests. */
    SESSION_CACHE,
    /** LoRA adapter slots. */
    LORA_SLOTS
}
