package io.statim.protocol.oip;

import java.util.Objects;

/**
 * An output that an inference request asked for by name.
 *
 * @param name   the output's name, one the model has
 * @param binary true when the output goes in the binary part of the response (binary tensor
 *               extension), false when it is written as JSON {@code data}
 */
public record RequestedOutput(String name, boolean binary) {
    public RequestedOutput {
        Objects.requireNonNull(name, "name");
    }
}
