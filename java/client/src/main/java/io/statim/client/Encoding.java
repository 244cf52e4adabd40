package io.statim.client;

/**
 * How tensors travel over the REST protocols. gRPC always sends raw little-endian contents.
 */
public enum Encoding {
    /** Every tensor as a JSON array: understood by every OIP server, slow for large tensors. */
    JSON,
    /**
     * Triton's binary tensor extension: the JSON header is followed by the raw bytes of every input
     * ({@code Inference-Header-Content-Length}), and outputs are asked for in binary too
     * ({@code binary_data_output}).
     */
    BINARY
}
