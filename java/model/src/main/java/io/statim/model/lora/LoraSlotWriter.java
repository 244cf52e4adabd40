package io.statim.model.lora;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes one adapter into one slot of the pools of a {@link LoraLayout}: per target, {@code Aᵀ}
 * ({@code [in, rank]}) into {@code poolA[slot]} ({@code [in, maxRank]}) and {@code Bᵀ · scale}
 * ({@code [rank, out]}) into {@code poolB[slot]} ({@code [maxRank, out]}), FP32 little-endian, the
 * columns (rows) past the rank and the targets the adapter does not touch set to zero. F16 and BF16
 * weights are widened to FP32. Only that slot's bytes are written ({@link LoraLayout#slotBytes()}).
 *
 * <p>Pools are passed in {@link LoraLayout#targets()} order, each at least
 * {@code slots * slotBytesA(target)} (resp. B) bytes. The caller owns the pools and must make sure
 * that no running batch reads the slot while it is written (and publish the write to the thread that
 * runs the next batch, as handing a batch over through a queue or lock does). Stateless; any thread.
 */
public final class LoraSlotWriter {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LoraSlotWriter() {
    }

    /**
     * Checks the adapter against the layout ({@link LoraLayout#check}) and writes it into
     * {@code slot}, which must be in {@code [1, slots)}: slot 0 stays the zero slot.
     *
     * @throws io.statim.core.status.StatusException INVALID_ARGUMENT when the adapter does not fit
     * @throws IllegalArgumentException              when the slot or the pools do not fit the layout
     */
    public static void write(LoraLayout layout, PeftAdapter adapter, int slot, List<MemorySegment> poolsA,
                             List<MemorySegment> poolsB) {
        if (slot < 1 || slot >= layout.slots()) {
            throw new IllegalArgumentException("slot " + slot + " is outside [1, " + layout.slots() + "); slot 0 is the zero slot");
        }
        checkPools(layout, poolsA, poolsB);
        LoraWeights[] bound = layout.bind(adapter);
        int maxRank = layout.maxRank();
        List<LoraTarget> targets = layout.targets();
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            MemorySegment a = poolsA.get(t).asSlice(slot * layout.slotBytesA(target), layout.slotBytesA(target));
            MemorySegment b = poolsB.get(t).asSlice(slot * layout.slotBytesB(target), layout.slotBytesB(target));
            a.fill((byte) 0);
            b.fill((byte) 0);
            LoraWeights w = bound[t];
            if (w == null) {
                continue;
            }
            int rank = w.rank();
            int in = target.in();
            int out = target.out();
            SafeTensor loraA = w.a();
            // A is [rank, in]: read it in order, write its transpose [in, maxRank].
            for (int j = 0; j < rank; j++) {
                long row = (long) j * in;
                for (int i = 0; i < in; i++) {
                    a.set(F32, ((long) i * maxRank + j) * Float.BYTES, loraA.getFloat(row + i));
                }
            }
            SafeTensor loraB = w.b();
            float scale = w.scale();
            // B is [out, rank]: read it in order, write its transpose [maxRank, out], scaled.
            for (int o = 0; o < out; o++) {
                long row = (long) o * rank;
                for (int j = 0; j < rank; j++) {
                    b.set(F32, ((long) j * out + o) * Float.BYTES, loraB.getFloat(row + j) * scale);
                }
            }
        }
    }

    /** Zeroes {@code slot} in every pool, e.g. when its adapter is evicted. */
    public static void clear(LoraLayout layout, int slot, List<MemorySegment> poolsA, List<MemorySegment> poolsB) {
        if (slot < 0 || slot >= layout.slots()) {
            throw new IllegalArgumentException("slot " + slot + " is outside [0, " + layout.slots() + ")");
        }
        checkPools(layout, poolsA, poolsB);
        List<LoraTarget> targets = layout.targets();
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            poolsA.get(t).asSlice(slot * layout.slotBytesA(target), layout.slotBytesA(target)).fill((byte) 0);
            poolsB.get(t).asSlice(slot * layout.slotBytesB(target), layout.slotBytesB(target)).fill((byte) 0);
        }
    }

    private static void checkPools(LoraLayout layout, List<MemorySegment> poolsA, List<MemorySegment> poolsB) {
        List<LoraTarget> targets = layout.targets();
        if (poolsA.size() != targets.size() || poolsB.size() != targets.size()) {
            throw new IllegalArgumentException("the layout has " + targets.size() + " targets but " + poolsA.size()
                    + " A pools and " + poolsB.size() + " B pools were given");
        }
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            long needA = layout.slots() * layout.slotBytesA(target);
            long needB = layout.slots() * layout.slotBytesB(target);
            if (poolsA.get(t).byteSize() < needA || poolsB.get(t).byteSize() < needB) {
                throw new IllegalArgumentException("pools of '" + target.modulePath() + "' hold " + poolsA.get(t).byteSize()
                        + " and " + poolsB.get(t).byteSize() + " bytes; they need " + needA + " and " + needB);
            }
        }
    }
}
