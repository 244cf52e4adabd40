package io.statim.model.config;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;

import java.util.Objects;

/**
 * One input or output of a model, as declared in {@code config.pbtxt}.
 *
 * <p>As in Triton, {@code dims} exclude the batch dimension when the model's
 * {@code max_batch_size > 0}; a dimension of {@link Shape#ANY} ({@code -1}) accepts any size.
 * {@code reshape}, when present, is the shape the model itself sees (again without the batch
 * dimension); it is {@code null} when the config has none. {@code optional} is only ever true for an
 * input. Immutable; safe for any thread.
 */
public record TensorConfig(String name, DataType dataType, Shape dims, Shape reshape, boolean optional) {

    public TensorConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        Objects.requireNonNull(dims, "dims");
    }

    /** The shape the model sees: {@code reshape} when present, else {@code dims}. */
    public Shape modelDims() {
        return reshape != null ? reshape : dims;
    }
}
