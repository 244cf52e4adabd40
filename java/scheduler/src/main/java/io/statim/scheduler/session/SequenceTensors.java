package io.statim.scheduler.session;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.core.device.Releasable;
import io.statim.model.config.SequenceBatching;
import io.statim.model.config.SequenceBatching.ControlInput;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The tensors the server feeds a sequence model besides the caller's: control inputs (START, END,
 * READY, CORRID, as Triton's {@code control_input} declares them) and the initial state (zeros). Each
 * is written into staging memory that the caller releases after the run. Stateless.
 */
final class SequenceTensors {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SequenceTensors() {
    }

    /**
     * The control tensors of one request, in {@code controls}' order, added to {@code into}: shape
     * [1, 1] for a model that batches, [1] otherwise. They share one staging buffer (8-byte aligned
     * slices), leased once per request.
     *
     * @param start  this request starts its sequence
     * @param end    this request ends its sequence
     * @param corrid the correlation id: the caller's id when numeric, else the session's number
     */
    static void controls(List<ControlInput> controls, boolean batching, boolean start, boolean end, String corridText, long corrid,
            Device device, List<Releasable> scratch, List<Tensor> into) {
        if (controls.isEmpty()) {
            return;
        }
        byte[] text = corridText.getBytes(StandardCharsets.UTF_8);
        long total = 0;
        for (ControlInput control : controls) {
            total += align(bytes(control, text));
        }
        MemorySegment all = buffer(total, device, scratch);
        Shape shape = batching ? Shape.of(1, 1) : Shape.of(1);
        long offset = 0;
        for (ControlInput control : controls) {
            long size = bytes(control, text);
            MemorySegment data = all.asSlice(offset, size);
            offset += align(size);
            switch (control.kind()) {
                case CONTROL_SEQUENCE_START -> flag(control, start, data);
                case CONTROL_SEQUENCE_END -> flag(control, end, data);
                case CONTROL_SEQUENCE_READY -> flag(control, true, data);
                case CONTROL_SEQUENCE_CORRID -> correlationId(control, text, corrid, data);
            }
            into.add(new Tensor(control.name(), control.dataType(), shape, data));
        }
    }

    /** Bytes of one control's value. */
    private static long bytes(ControlInput control, byte[] corridText) {
        return control.kind() == SequenceBatching.ControlKind.CONTROL_SEQUENCE_CORRID && control.dataType() == DataType.BYTES
                ? 4L + corridText.length
                : control.dataType().byteSize();
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    private static void flag(ControlInput control, boolean value, MemorySegment data) {
        double v = value ? control.trueValue() : control.falseValue();
        switch (control.dataType()) {
            case INT32 -> data.set(INT, 0, (int) v);
            case FP32 -> data.set(FLOAT, 0, (float) v);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, 0, (byte) (v != 0 ? 1 : 0));
            default -> throw new StatusException(Code.INTERNAL, "control '" + control.name() + "' has datatype " + control.dataType());
        }
    }

    private static void correlationId(ControlInput control, byte[] text, long number, MemorySegment data) {
        switch (control.dataType()) {
            case INT64, UINT64 -> data.set(LONG, 0, number);
            case INT32, UINT32 -> data.set(INT, 0, (int) number);
            case BYTES -> {
                data.set(INT, 0, text.length);
                MemorySegment.copy(text, 0, data, ValueLayout.JAVA_BYTE, 4, text.length);
            }
            default -> throw new StatusException(Code.INTERNAL, "control '" + control.name() + "' has datatype " + control.dataType());
        }
    }

    /** The state a sequence starts from: zeros, shaped [1, dims] for a model that batches, dims otherwise. */
    static Tensor initialState(SequenceBatching.State state, boolean batching, Device device, List<Releasable> scratch) {
        Shape shape = batching ? state.dims().withBatch(1) : state.dims();
        if (!shape.isConcrete()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "state '" + state.inputName() + "' has variable dims " + state.dims()
                    + ": its initial value needs concrete dims");
        }
        MemorySegment data = buffer(shape.elementCount() * state.dataType().byteSize(), device, scratch);
        data.fill((byte) 0);
        return new Tensor(state.inputName(), state.dataType(), shape, data);
    }

    /** The number fed as a numeric CORRID: the id itself when it is a non-negative integer, else {@code fallback}. */
    static long numericId(String id, long fallback) {
        if (id.isEmpty() || id.length() > 19) {
            return fallback;
        }
        long v = 0;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return fallback;
            }
            v = v * 10 + (c - '0');
            if (v < 0) {
                return fallback;
            }
        }
        return v;
    }

    private static MemorySegment buffer(long bytes, Device device, List<Releasable> scratch) {
        DeviceBuffer buffer = device.allocate(bytes, MemoryUse.STAGING);
        scratch.add(buffer);
        return buffer.segment();
    }
}
