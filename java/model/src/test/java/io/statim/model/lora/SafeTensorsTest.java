package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private Path file(byte[] bytes) throws IOException {
        Path file = dir.resolve("t.safetensors");
        Files.write(file, bytes);
        return file;
    }

    /** A file with the given header and {@code dataBytes} zero bytes of data. */
    private Path raw(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return file(ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).array());
    }

    private void assertInvalid(Path file, String... fragments) {
        assertThatThrownBy(() -> SafeTensors.open(file).close())
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContainingAll(fragments);
    }

    @Test
    void readsWhatTheWriterWrote() throws IOException {
        float[] values = {1f, -2.5f, 0.125f, 3f, 65504f, -0f};
        Path file = file(new SafeTensorsWriter()
                .add("f32", SafeTensorsDType.F32, new long[] {2, 3}, values)
                .add("f16", SafeTensorsDType.F16, new long[] {3, 2}, values)
                .add("bf16", SafeTensorsDType.BF16, new long[] {6}, values)
                .addRaw("ids", SafeTensorsDType.I64, new long[] {2}, new byte[16])
                .add("empty", SafeTensorsDType.F32, new long[] {0, 4}, new float[0])
                .metadata("format", "pt")
                .toBytes());
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.names()).containsExactly("f32", "f16", "bf16", "ids", "empty");
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.tensor("f32").shape()).containsExactly(2, 3);
            assertThat(st.tensor("f32").toFloatArray()).containsExactly(values);
            assertThat(st.tensor("f16").toFloatArray()).containsExactly(values);
            assertThat(st.tensor("bf16").toFloatArray()).containsExactly(1f, -2.5f, 0.125f, 3f, 65536f, -0f);
            assertThat(st.tensor("ids").dtype()).isEqualTo(SafeTensorsDType.I64);
            assertThat(st.tensor("empty").elementCount()).isZero();
            assertThat(st.dataBytes()).isEqualTo(24 + 12 + 12 + 16);
        }
    }

    @Test
    void alignsTheDataAreaToEightBytes() throws IOException {
        byte[] bytes = new SafeTensorsWriter().add("x", SafeTensorsDType.F32, new long[] {1}, new float[] {1f}).toBytes();
        long header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(header % 8).isZero();
    }

    @Test
    void mapsTensorsWithoutCopying() throws IOException {
        Path file = file(new SafeTensorsWriter().add("x", SafeTensorsDType.F32, new long[] {4}, new float[] {1, 2, 3, 4}).toBytes());
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors st = SafeTensors.open(file, arena);
            MemorySegment data = st.tensor("x").data();
            assertThat(data.isMapped()).isTrue();
            assertThat(data.isReadOnly()).isTrue();
            assertThat(data.byteSize()).isEqualTo(16);
        }
    }

    @Test
    void copiesHalfPrecisionAsFp32IntoASegment() throws IOException {
        Path file = file(new SafeTensorsWriter().add("h", SafeTensorsDType.F16, new long[] {3}, new float[] {0.5f, -1f, 2f}).toBytes());
        try (SafeTensors st = SafeTensors.open(file); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(16);
            st.tensor("h").copyAsFp32(dst, 4);
            float[] out = new float[3];
            MemorySegment.copy(dst, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, out, 0, 3);
            assertThat(out).containsExactly(0.5f, -1f, 2f);
        }
    }

    @Test
    void refusesATruncatedFile() throws IOException {
        byte[] bytes = new SafeTensorsWriter().add("weight", SafeTensorsDType.F32, new long[] {4, 4}, new float[16]).toBytes();
        assertInvalid(file(Arrays.copyOf(bytes, bytes.length - 10)), "tensor 'weight'", "run past the data area", "truncated");
    }

    @Test
    void refusesAFileShorterThanTheHeaderLength() throws IOException {
        assertInvalid(file(new byte[5]), "too short");
        byte[] bytes = new SafeTensorsWriter().add("weight", SafeTensorsDType.F32, new long[] {4}, new float[4]).toBytes();
        assertInvalid(file(Arrays.copyOf(bytes, 20)), "runs past the end of the file");
    }

    @Test
    void refusesAHugeHeaderLength() throws IOException {
        assertInvalid(file(ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array()),
                "header length 1099511627776 is outside");
        assertInvalid(file(ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array()),
                "header length 18446744073709551615 is outside");
    }

    @Test
    void refusesInvalidJson() throws IOException {
        assertInvalid(raw("{\"a\": {\"dtype\": \"F32\", ", 0), "header is not valid JSON");
        assertInvalid(raw("{\"a\": 1} {}", 0), "header is not valid JSON");
        assertInvalid(raw("[1, 2]", 0), "does not start with '{'");
    }

    @Test
    void refusesDuplicateTensorNames() throws IOException {
        assertInvalid(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "not valid JSON", "Duplicate field 'a'");
    }

    @Test
    void refusesOffsetsOutsideTheDataArea() throws IOException {
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 8),
                "tensor 'w'", "data_offsets [4, 12] run past the data area of 8 bytes");
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8),
                "tensor 'w'", "end before they begin");
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 8),
                "tensor 'w'", "not non-negative integers");
    }

    @Test
    void refusesOverlappingTensors() throws IOException {
        assertInvalid(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                        + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12),
                "tensor 'b'", "overlap tensor 'a' [0, 8]");
    }

    @Test
    void refusesHolesAndTrailingBytes() throws IOException {
        assertInvalid(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8),
                "tensor 'a'", "leave bytes [0, 4) of the data area unused");
        assertInvalid(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8),
                "trailing bytes");
    }

    @Test
    void refusesASizeThatDoesNotMatchTheShape() throws IOException {
        assertInvalid(raw("{\"w\": {\"dtype\": \"F16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}", 8),
                "tensor 'w'", "hold 8 bytes but F16 [2, 3] needs 12");
    }

    @Test
    void refusesUnknownDtypesAndBadShapes() throws IOException {
        assertInvalid(raw("{\"w\": {\"dtype\": \"F17\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "tensor 'w'", "unknown dtype 'F17'");
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4),
                "tensor 'w'", "shape dimension 0 is not a non-negative integer");
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", 4),
                "tensor 'w'", "too many");
        assertInvalid(raw("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4), "tensor 'w'", "'shape' is missing");
    }

    @Test
    void refusesNonStringMetadata() throws IOException {
        assertInvalid(raw("{\"__metadata__\": {\"format\": 1}}", 0), "'__metadata__' value of 'format' is not a string");
    }

    @Test
    void saysWhenTheFileIsMissing() {
        assertThatThrownBy(() -> SafeTensors.open(dir.resolve("none.safetensors")))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_FOUND));
    }

    @Test
    void namesAMissingTensor() throws IOException {
        Path file = file(new SafeTensorsWriter().add("x", SafeTensorsDType.F32, new long[] {1}, new float[1]).toBytes());
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThatThrownBy(() -> st.tensor("y")).hasMessageContaining("tensor 'y': no such tensor");
        }
    }

    @Test
    void roundsBf16ToNearestEven() {
        assertThat(SafeTensorsWriter.toBf16(1f)).isEqualTo((short) 0x3F80);
        assertThat(SafeTensorsWriter.toBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);
        assertThat(SafeTensorsWriter.toBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);
        assertThat(SafeTensorsWriter.toBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
    }
}
