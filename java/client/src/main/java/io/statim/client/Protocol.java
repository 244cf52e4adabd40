package io.statim.client;

/** The wire a {@link StatimClient} speaks. */
public enum Protocol {
    /** OIP REST over HTTP/1.1: one request at a time per pooled keep-alive connection. */
    HTTP1,
    /** OIP REST over cleartext HTTP/2 with prior knowledge: many concurrent streams per connection. */
    H2C,
    /** {@code inference.GRPCInferenceService}, Triton's gRPC protocol. */
    GRPC
}
