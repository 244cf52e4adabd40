package io.statim.client;

import java.util.List;
import java.util.function.Supplier;

/**
 * The outputs of one successful inference. The response body is decoded on the first call of an
 * accessor, not when it arrives, so that a caller that only needs to know the request succeeded (a load
 * generator) pays no decoding; a malformed body throws {@link StatimClientException} from that
 * accessor.
 *
 * <p>Thread-safe: concurrent first calls may decode twice, and see equal results.
 */
public final class InferResult {
    private final Supplier<Decoded> decoder;
    private volatile Decoded decoded;

    private InferResult(Supplier<Decoded> decoder, Decoded decoded) {
        this.decoder = decoder;
        this.decoded = decoded;
    }

    /** A result with its outputs in the order the server sent them. */
    public static InferResult of(String modelName, String modelVersion, String id, List<InferTensor> outputs) {
        return new InferResult(null, new Decoded(modelName, modelVersion, id, List.copyOf(outputs)));
    }

    /** A result whose contents {@code decoder} produces on first use (called at most once per thread). */
    public static InferResult lazily(Supplier<InferResult> decoder) {
        return new InferResult(() -> decoder.get().decoded(), null);
    }

    public String modelName() {
        return decoded().modelName();
    }

    public String modelVersion() {
        return decoded().modelVersion();
    }

    /** The request id the server echoed; empty for none. */
    public String id() {
        return decoded().id();
    }

    /** The outputs in the order the server sent them (the order asked for, with Statim and Triton). */
    public List<InferTensor> outputs() {
        return decoded().outputs();
    }

    /**
     * The output of that name.
     *
     * @throws IllegalArgumentException when the response has no such output
     */
    public InferTensor output(String name) {
        for (InferTensor t : outputs()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("the response of model '" + modelName() + "' has no output '" + name + "'");
    }

    @Override
    public String toString() {
        return "InferResult[" + modelName() + " v" + modelVersion() + ", outputs=" + outputs() + "]";
    }

    private Decoded decoded() {
        Decoded d = decoded;
        if (d == null) {
            d = decoder.get();
            decoded = d;
        }
        return d;
    }

    private record Decoded(String modelName, String modelVersion, String id, List<InferTensor> outputs) {
    }
}
