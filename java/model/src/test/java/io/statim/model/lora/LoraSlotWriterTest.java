package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

class LoraSlotWriterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final LoraLayout LAYOUT =
            LoraGraphRewrite.rewrite(ToyBert.build(1, 3, true), List.of("query", "intermediate.dense"), 3, 4).layout();
    private static final String QUERY = "encoder.layer.0.attention.self.query";

    @TempDir
    Path dir;

    /** A rank-2 adapter on query: A[j][i] = 100 j + i, B[o][j] = 1000 o + j, alpha 4 (scale 2). */
    private PeftAdapter adapter() throws IOException {
        int in = ToyBert.HIDDEN;
        int out = ToyBert.HIDDEN;
        float[] a = new float[2 * in];
        float[] b = new float[out * 2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < in; i++) {
                a[j * in + i] = 100 * j + i;
            }
            for (int o = 0; o < out; o++) {
                b[o * 2 + j] = 1000 * o + j;
            }
        }
        new PeftAdapterWriter(2, 4).module(QUERY, a, b, in, out).write(dir);
        return PeftAdapter.open(dir);
    }

    private static float get(MemorySegment pool, long index) {
        return pool.get(F32, index * 4);
    }

    @Test
    void writesTransposedPaddedAndScaledWeightsIntoTheSlotOnly() throws IOException {
        try (Arena arena = Arena.ofConfined(); PeftAdapter adapter = adapter()) {
            List<LoraTarget> targets = LAYOUT.targets();
            List<MemorySegment> poolsA = targets.stream().map(t -> arena.allocate(LAYOUT.slots() * LAYOUT.slotBytesA(t))).toList();
            List<MemorySegment> poolsB = targets.stream().map(t -> arena.allocate(LAYOUT.slots() * LAYOUT.slotBytesB(t))).toList();
            poolsA.get(1).fill((byte) 0x7f);
            LoraSlotWriter.write(LAYOUT, adapter, 2, poolsA, poolsB);

            int in = ToyBert.HIDDEN;
            int out = ToyBert.HIDDEN;
            int rmax = 4;
            MemorySegment a = poolsA.getFirst();
            MemorySegment b = poolsB.getFirst();
            long slotA = 2L * in * rmax;
            long slotB = 2L * rmax * out;
            for (int i = 0; i < in; i++) {
                assertThat(get(a, slotA + i * rmax)).isEqualTo(i);
                assertThat(get(a, slotA + i * rmax + 1)).isEqualTo(100 + i);
                assertThat(get(a, slotA + i * rmax + 2)).isZero();
                assertThat(get(a, slotA + i * rmax + 3)).isZero();
            }
            for (int o = 0; o < out; o++) {
                assertThat(get(b, slotB + o)).isEqualTo(2f * (1000 * o));
                assertThat(get(b, slotB + out + o)).isEqualTo(2f * (1000 * o + 1));
                assertThat(get(b, slotB + 2L * out + o)).isZero();
            }
            assertThat(a.asSlice(0, slotA * 4).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(b.asSlice(0, slotB * 4).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            // The intermediate layer is not in the adapter: its slot is zeroed, other slots untouched.
            MemorySegment inter = poolsA.get(1);
            long interSlot = LAYOUT.slotBytesA(targets.get(1));
            assertThat(inter.asSlice(2 * interSlot, interSlot).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(inter.asSlice(interSlot, interSlot).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0x7f);

            LoraSlotWriter.clear(LAYOUT, 2, poolsA, poolsB);
            assertThat(a.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(b.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void refusesTheZeroSlot() throws IOException {
        try (Arena arena = Arena.ofConfined(); PeftAdapter adapter = adapter()) {
            List<MemorySegment> poolsA = LAYOUT.targets().stream().map(t -> arena.allocate(LAYOUT.slots() * LAYOUT.slotBytesA(t))).toList();
            List<MemorySegment> poolsB = LAYOUT.targets().stream().map(t -> arena.allocate(LAYOUT.slots() * LAYOUT.slotBytesB(t))).toList();
            assertThatThrownBy(() -> LoraSlotWriter.write(LAYOUT, adapter, 0, poolsA, poolsB))
                    .hasMessageContaining("slot 0 is outside [1, 3)");
        }
    }

    @Test
    void refusesPoolsSmallerThanTheLayout() throws IOException {
        try (Arena arena = Arena.ofConfined(); PeftAdapter adapter = adapter()) {
            List<MemorySegment> small = LAYOUT.targets().stream().map(t -> arena.allocate(16)).toList();
            assertThatThrownBy(() -> LoraSlotWriter.write(LAYOUT, adapter, 1, small, small))
                    .hasMessageContaining("pools of '" + QUERY + "' hold 16 and 16 bytes");
        }
    }
}
