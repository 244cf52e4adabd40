package io.statim.core.device;

/** What device memory is used for; each use has its own byte budget on a {@link Device}. */
public enum MemoryUse {
    /** Request inputs decoded by the front end and batch staging buffers. */
    STAGING,
    /** Model outputs, held until the response is written. */
    OUTPUT,
    /** Tensors that sessions keep resident between requests. */
    SESSION_CACHE,
    /** LoRA adapter slot pools, which the model reads: the device tier of adapters. */
    LORA_SLOTS,
    /** LoRA adapter slot images kept on the host so that a slot is refilled without reading files: the host tier. */
    LORA_HOST
}
