package io.statim.model.lora;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files, for tests and benchmarks that generate adapters (the server only reads
 * them). Tensors are laid out in the order they were added, without gaps; the header is padded with
 * spaces to a multiple of 8 bytes, as Hugging Face's writer does, so that the data area starts
 * aligned. Values given as FP32 are rounded to F16 or BF16 (to nearest even) when that is the dtype.
 * One writer per file; not thread-safe.
 */
public final class SafeTensorsWriter {
    private record Pending(String name, SafeTensorsDType dtype, long[] shape, byte[] bytes) {
    }

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a floating-point tensor (F32, F16, BF16 or F64) from FP32 values in row-major order. */
    public SafeTensorsWriter add(String name, SafeTensorsDType dtype, long[] shape, float[] values) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " is not a floating-point dtype");
        }
        checkCount(name, shape, values.length);
        ByteBuffer out = ByteBuffer.allocate(values.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> out.putFloat(v);
                case F16 -> out.putShort(Float.floatToFloat16(v));
                case BF16 -> out.putShort(toBf16(v));
                case F64 -> out.putDouble(v);
                default -> throw new AssertionError(dtype);
            }
        }
        return addRaw(name, dtype, shape, out.array());
    }

    /** Adds a tensor from its little-endian bytes, which must be {@code product(shape) * dtype size} long. */
    public SafeTensorsWriter addRaw(String name, SafeTensorsDType dtype, long[] shape, byte[] bytes) {
        if (name.equals(SafeTensors.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for metadata");
        }
        long elements = checkCount(name, shape, -1);
        if (elements * dtype.byteSize() != bytes.length) {
            throw new IllegalArgumentException("tensor '" + name + "' needs " + elements * dtype.byteSize() + " bytes, got "
                    + bytes.length);
        }
        if (tensors.putIfAbsent(name, new Pending(name, dtype, shape.clone(), bytes.clone())) != null) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        return this;
    }

    /** Adds a {@code __metadata__} entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The file's bytes. */
    public byte[] toBytes() {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put(SafeTensors.METADATA_KEY, metadata);
        }
        long offset = 0;
        List<byte[]> data = new ArrayList<>();
        for (Pending t : tensors.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype.name());
            List<Object> shape = new ArrayList<>();
            for (long d : t.shape) {
                shape.add(d);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + t.bytes.length));
            header.put(t.name, entry);
            offset += t.bytes.length;
            data.add(t.bytes);
        }
        byte[] json = Json.write(header, false).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (byte[] bytes : data) {
            out.put(bytes);
        }
        return out.array();
    }

    /** Writes the file, replacing any file there. */
    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(toBytes());
        }
    }

    /** FP32 to BF16, rounding to nearest even; NaN stays a (quiet) NaN. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private static long checkCount(String name, long[] shape, int count) {
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': dimension " + d + " < 0");
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (count >= 0 && elements != count) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + java.util.Arrays.toString(shape)
                    + " needs " + elements + " values, got " + count);
        }
        return elements;
    }
}
