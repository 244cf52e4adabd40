package io.statim.model.config;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbLocation;
import io.statim.model.pbtxt.PbMessage;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Binds and validates the {@code input} and {@code output} sections of a config. Inputs may also be
 * {@code optional}; {@code is_shape_tensor}, {@code allow_ragged_batch} and
 * {@code is_non_linear_format_io} are accepted only with their default values. Two fields are
 * accepted because they do not change what an ONNX model computes, so Triton's own ONNX examples
 * load unchanged: an input's {@code format} (FORMAT_NONE, FORMAT_NCHW, FORMAT_NHWC: a hint for
 * clients that preprocess images) and an output's {@code label_filename} (used only by the
 * classification extension, which a request asking for it is refused). Stateless.
 */
final class TensorBinder {
    private static final List<String> FORMATS = List.of("FORMAT_NONE", "FORMAT_NCHW", "FORMAT_NHWC");

    static final FieldTable<Draft> INPUT = common("input")
            .bind("optional", (d, f) -> d.optional = f.asBoolean())
            .bind("format", (d, f) -> {
                if (!FORMATS.contains(f.asIdentifier())) {
                    throw f.location().error("field 'input.format' must be one of " + FORMATS + ", not " + f.asIdentifier());
                }
            })
            .bind("allow_ragged_batch", onlyFalse("input.allow_ragged_batch"));

    static final FieldTable<Draft> OUTPUT = common("output")
            .bind("label_filename", (d, f) -> f.asString());

    private TensorBinder() {
    }

    private static FieldTable<Draft> common(String path) {
        FieldTable<Draft> reshape = new FieldTable<Draft>(path + ".reshape")
                .bind("shape", (d, f) -> d.reshape = f.asLongs());
        return new FieldTable<Draft>(path)
                .bind("name", (d, f) -> d.name = f.asString())
                .bind("data_type", (d, f) -> d.dataType = dataType(f))
                .bind("dims", (d, f) -> {
                    d.dims = f.asLongs();
                    d.dimsAt = f.location();
                })
                .bind("reshape", (d, f) -> {
                    d.reshape = List.of();
                    d.reshapeAt = f.location();
                    reshape.apply(f.asMessage(), d);
                })
                .bind("is_shape_tensor", onlyFalse(path + ".is_shape_tensor"))
                .bind("is_non_linear_format_io", onlyFalse(path + ".is_non_linear_format_io"));
    }

    /** Binds one {@code input} or {@code output} message. */
    static Draft bind(FieldTable<Draft> table, String kind, PbMessage message) {
        Draft draft = new Draft(kind, message.location());
        table.apply(message, draft);
        return draft;
    }

    private static FieldTable.Binder<Draft> onlyFalse(String path) {
        return (d, f) -> {
            if (f.asBoolean()) {
                throw f.location().error("field '" + path + "' is only supported as false");
            }
        };
    }

    static DataType dataType(PbField field) {
        DataType type = DataType.fromConfigName(field.asIdentifier());
        if (type == null) {
            throw field.location().error("data_type '" + field.asIdentifier() + "' is not known; expected one of "
                    + Arrays.stream(DataType.values()).map(DataType::configName).collect(Collectors.joining(", ")));
        }
        return type;
    }

    /** An input or output as written, before validation; not thread-safe. */
    static final class Draft {
        final String kind;
        final PbLocation location;
        String name;
        DataType dataType;
        List<Long> dims;
        PbLocation dimsAt;
        List<Long> reshape;
        PbLocation reshapeAt;
        boolean optional;

        Draft(String kind, PbLocation location) {
            this.kind = kind;
            this.location = location;
        }

        /** Checks this tensor on its own; the model checks what involves several. */
        TensorConfig validate() {
            if (name == null || name.isEmpty()) {
                throw location.error(kind + " has no name");
            }
            String what = kind + " '" + name + "'";
            if (dataType == null) {
                throw location.error(what + " has no data_type");
            }
            if (dims == null || dims.isEmpty()) {
                throw location.error(what + " has no dims; use dims: [ 1 ] with reshape { shape: [ ] } for a scalar");
            }
            Shape dimsShape = shape(what, "dims", dims, dimsAt);
            Shape reshapeShape = reshape == null ? null : shape(what, "reshape", reshape, reshapeAt);
            if (reshapeShape != null && dimsShape.isConcrete() && reshapeShape.isConcrete()
                    && dimsShape.elementCount() != reshapeShape.elementCount()) {
                throw reshapeAt.error(what + " reshape " + reshapeShape + " has " + reshapeShape.elementCount()
                        + " elements but dims " + dimsShape + " has " + dimsShape.elementCount());
            }
            return new TensorConfig(name, dataType, dimsShape, reshapeShape, optional);
        }

        private static Shape shape(String what, String field, List<Long> values, PbLocation at) {
            long[] dims = new long[values.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = values.get(i);
                if (dims[i] < 1 && dims[i] != Shape.ANY) {
                    throw at.error(what + " " + field + "[" + i + "]=" + dims[i] + " must be >= 1 or -1");
                }
            }
            return Shape.of(dims);
        }
    }
}
