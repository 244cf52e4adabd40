package io.statim.model.lora;

import com.fasterxml.jackson.core.JacksonException;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file mapped off-heap without copying: an 8-byte little-endian header length
 * {@code N}, {@code N} bytes of UTF-8 JSON
 * <pre>{@code {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ..., "__metadata__": {"k": "v"}}}</pre>
 * and then the data area, which the offsets index from its start.
 *
 * <p>{@link #open} validates the whole header before any tensor is handed out, as the reference
 * implementation (Hugging Face's {@code safetensors} crate) does: the header length fits the file and
 * at most {@value #MAX_HEADER_BYTES} bytes; the JSON is an object with no duplicate keys; each
 * tensor has a known dtype, non-negative dims, {@code 0 <= begin <= end <= } the data area's size and
 * {@code end - begin = product(shape) * dtype size}; tensors neither overlap nor leave holes, and the
 * last one ends where the file does. Every error is a {@link StatusException} with
 * {@code INVALID_ARGUMENT} that names the file and the tensor and says what is wrong; it never
 * contains tensor values.
 *
 * <p>Ownership: the file is mapped into an {@link Arena}. {@link #open(Path, Arena)} uses the caller's
 * arena, which owns the mapping (closing this reader does nothing then); {@link #open(Path)} makes a
 * shared arena that {@link #close()} closes. Tensors are views into the mapping and die with it.
 * An open reader is immutable and safe for any thread (as far as its arena allows).
 */
public final class SafeTensors implements AutoCloseable {
    /** The largest header accepted, in bytes (100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** The header key of the free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong LENGTH_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena ownArena;
    private final Map<String, SafeTensor> tensors;
    private final Map<String, String> metadata;
    private final long dataBytes;

    private SafeTensors(Path path, Arena ownArena, Map<String, SafeTensor> tensors, Map<String, String> metadata,
                        long dataBytes) {
        this.path = path;
        this.ownArena = ownArena;
        this.tensors = tensors;
        this.metadata = metadata;
        this.dataBytes = dataBytes;
    }

    /**
     * Maps and validates {@code file} into the caller's arena, which owns the mapping.
     *
     * @throws StatusException INVALID_ARGUMENT when the file is not valid safetensors, NOT_FOUND when
     *                         it does not exist
     */
    public static SafeTensors open(Path file, Arena arena) {
        return open(file, arena, null);
    }

    /** Maps and validates {@code file} into an arena of its own, released by {@link #close()}. */
    public static SafeTensors open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static SafeTensors open(Path file, Arena arena, Arena ownArena) {
        MemorySegment mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw invalid(file, "file of " + size + " bytes is too short for the 8-byte header length (truncated file?)");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new StatusException(Status.notFound(file + ": no such file"));
        } catch (IOException e) {
            throw new StatusException(Status.invalidArgument(file + ": cannot be read: " + e.getClass().getSimpleName()), e);
        }
        return parse(file, mapped, ownArena);
    }

    private static SafeTensors parse(Path file, MemorySegment mapped, Arena ownArena) {
        long size = mapped.byteSize();
        long headerBytes = mapped.get(LENGTH_LE, 0);
        if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
            throw invalid(file, "header length " + Long.toUnsignedString(headerBytes) + " is outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (headerBytes > size - 8) {
            throw invalid(file, "header length " + headerBytes + " runs past the end of the file of " + size
                    + " bytes (truncated file?)");
        }
        byte[] header = mapped.asSlice(8, headerBytes).toArray(ValueLayout.JAVA_BYTE);
        if (header[0] != '{') {
            throw invalid(file, "header does not start with '{'");
        }
        Object root;
        try {
            root = Json.parse(header);
        } catch (JacksonException e) {
            throw invalid(file, "header is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid(file, "header cannot be read: " + e.getClass().getSimpleName());
        }
        if (!(root instanceof Map<?, ?> fields)) {
            throw invalid(file, "header is not a JSON object");
        }
        long dataStart = 8 + headerBytes;
        long dataBytes = size - dataStart;
        MemorySegment dataArea = mapped.asSlice(dataStart, dataBytes);

        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            String name = (String) field.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(file, field.getValue());
            } else {
                entries.add(entry(file, name, field.getValue(), dataBytes));
            }
        }
        checkLayout(file, entries, dataBytes);

        Map<String, SafeTensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            tensors.put(e.name, new SafeTensor(e.name, e.dtype, e.shape, dataArea.asSlice(e.begin, e.end - e.begin)));
        }
        return new SafeTensors(file, ownArena, Collections.unmodifiableMap(tensors), metadata, dataBytes);
    }

    private record Entry(String name, SafeTensorsDType dtype, long[] shape, long begin, long end) {
    }

    private static Entry entry(Path file, String name, Object value, long dataBytes) {
        if (!(value instanceof Map<?, ?> node)) {
            throw invalid(file, name, "entry is not a JSON object");
        }
        if (!(node.get("dtype") instanceof String dtypeName)) {
            throw invalid(file, name, "'dtype' is missing or not a string");
        }
        SafeTensorsDType dtype = SafeTensorsDType.fromName(dtypeName);
        if (dtype == null) {
            throw invalid(file, name, "unknown dtype '" + dtypeName + "'");
        }
        if (!(node.get("shape") instanceof List<?> shapeList)) {
            throw invalid(file, name, "'shape' is missing or not an array");
        }
        long[] shape = new long[shapeList.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw invalid(file, name, "shape dimension " + i + " is not a non-negative integer");
            }
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw invalid(file, name, "shape " + Arrays.toString(shape) + " has too many elements");
            }
        }
        if (!(node.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2) {
            throw invalid(file, name, "'data_offsets' is missing or not an array [begin, end]");
        }
        if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end) || begin < 0 || end < 0) {
            throw invalid(file, name, "data_offsets " + offsets + " are not non-negative integers");
        }
        if (end < begin) {
            throw invalid(file, name, "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end > dataBytes) {
            throw invalid(file, name, "data_offsets [" + begin + ", " + end + "] run past the data area of "
                    + dataBytes + " bytes (truncated file?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw invalid(file, name, "shape " + Arrays.toString(shape) + " has too many bytes");
        }
        if (end - begin != expected) {
            throw invalid(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but "
                    + dtype + " " + Arrays.toString(shape) + " needs " + expected);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** No overlaps, no holes, and the last tensor ends where the file does. */
    private static void checkLayout(Path file, List<Entry> entries, long dataBytes) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < cursor) {
                throw invalid(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '"
                        + previous.name + "' [" + previous.begin + ", " + previous.end + "]");
            }
            if (e.begin > cursor) {
                throw invalid(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] leave bytes [" + cursor + ", "
                        + e.begin + ") of the data area unused");
            }
            cursor = e.end;
            if (e.end > e.begin || previous == null) {
                previous = e;
            }
        }
        if (cursor != dataBytes) {
            throw invalid(file, "the tensors cover " + cursor + " bytes but the data area has " + dataBytes
                    + " (trailing bytes after the last tensor)");
        }
    }

    private static Map<String, String> metadata(Path file, Object value) {
        if (!(value instanceof Map<?, ?> node)) {
            throw invalid(file, "'" + METADATA_KEY + "' is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> field : node.entrySet()) {
            if (!(field.getValue() instanceof String text)) {
                throw invalid(file, "'" + METADATA_KEY + "' value of '" + field.getKey() + "' is not a string");
            }
            metadata.put((String) field.getKey(), text);
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static StatusException invalid(Path file, String message) {
        return new StatusException(Status.invalidArgument(file + ": " + message));
    }

    private static StatusException invalid(Path file, String tensor, String message) {
        return new StatusException(Status.invalidArgument(file + ": tensor '" + tensor + "': " + message));
    }

    /** The file this reader mapped. */
    public Path path() {
        return path;
    }

    /** The tensor names, in the header's order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** Whether the file holds a tensor of that name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor of that name, a view of the mapping.
     *
     * @throws StatusException INVALID_ARGUMENT when the file has no such tensor
     */
    public SafeTensor tensor(String name) {
        SafeTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw invalid(path, name, "no such tensor");
        }
        return tensor;
    }

    /** All tensors, in the header's order. */
    public List<SafeTensor> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The header's {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The size of the data area in bytes (the sum of the tensors' sizes). */
    public long dataBytes() {
        return dataBytes;
    }

    /** Releases the mapping when {@link #open(Path)} made the arena; does nothing for a caller's arena. */
    @Override
    public void close() {
        if (ownArena != null) {
            ownArena.close();
        }
    }
}
