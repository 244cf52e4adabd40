package io.statim.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataTypeTest {
    @Test
    void mapsWireAndConfigNames() {
        for (DataType t : DataType.values()) {
            assertThat(DataType.fromWireName(t.wireName())).isSameAs(t);
            assertThat(DataType.fromConfigName(t.configName())).isSameAs(t);
        }
        assertThat(DataType.fromConfigName("TYPE_STRING")).isSameAs(DataType.BYTES);
        assertThat(DataType.fromWireName("FLOAT")).isNull();
        assertThat(DataType.FP16.byteSize()).isEqualTo(2);
        assertThat(DataType.BYTES.isVariableLength()).isTrue();
    }

    @Test
    void serializesAndSplitsBytesElements() {
        List<byte[]> elements = List.of("héllo".getBytes(StandardCharsets.UTF_8), new byte[0], "x".getBytes(StandardCharsets.UTF_8));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Tensor.serializedSize(elements));
            Tensor.writeBytesElements(elements, data);
            assertThat(Tensor.checkBytesElements(data, 3)).isNull();
            assertThat(new Tensor("t", DataType.BYTES, Shape.of(3), data).strings()).containsExactly("héllo", "", "x");
            assertThat(Tensor.checkBytesElements(data, 2)).contains("bytes follow the last of 2");
            assertThat(Tensor.checkBytesElements(data, 4)).contains("missing its 4-byte length prefix");
            assertThat(Tensor.checkBytesElements(data.asSlice(0, 6), 1)).contains("claims 6 bytes but only 2 remain");
        }
    }
}
