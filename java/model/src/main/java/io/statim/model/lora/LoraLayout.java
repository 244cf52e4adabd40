package io.statim.model.lora;

import io.statim.core.status.Status;
import io.statim.core.status.StatusException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a graph rewritten by {@link LoraGraphRewrite} expects to be fed, for the runtime that allocates
 * and fills the adapter slot pools:
 * <ul>
 *   <li>{@link #slotInput()}: INT64 {@code [batch]}, the slot of each row (or {@code [1]} for one slot
 *       for all rows, by MatMul's broadcasting); each value in {@code [0, slots)};</li>
 *   <li>per {@link LoraTarget}: {@code poolA} FP32 {@code [slots, in, maxRank]}, where slot {@code k}
 *       holds {@code Aᵀ} of the adapter loaded there, its columns past the adapter's rank zero; and
 *       {@code poolB} FP32 {@code [slots, maxRank, out]}, slot {@code k} holding {@code Bᵀ · scale},
 *       its rows past the rank zero. {@link LoraSlotWriter} writes them.</li>
 * </ul>
 * Slot 0 must stay all zeros: rows with slot 0 get the base model's result (an adapter that does not
 * target a layer is zero there as well). Pools are little-endian, row-major, dense.
 *
 * <p>Module paths of adapters meet the layout's in canonical form: without PEFT's
 * {@code base_model.model.} and without one leading {@code bert.}, {@code roberta.} or {@code model.}.
 * Immutable; safe for any thread.
 */
public final class LoraLayout {
    private final String baseName;
    private final List<LoraTarget> targets;
    private final String slotInput;
    private final int slots;
    private final int maxRank;
    private final Map<String, Integer> byCanonicalPath = new HashMap<>();

    LoraLayout(String baseName, List<LoraTarget> targets, String slotInput, int slots, int maxRank) {
        this.baseName = baseName;
        this.targets = List.copyOf(targets);
        this.slotInput = slotInput;
        this.slots = slots;
        this.maxRank = maxRank;
        for (int i = 0; i < this.targets.size(); i++) {
            byCanonicalPath.put(ModulePaths.canonical(this.targets.get(i).modulePath()), i);
        }
    }

    /** The layers with a low-rank branch, in graph order; pools are given in this order. */
    public List<LoraTarget> targets() {
        return targets;
    }

    /** The name of the INT64 slot-index input. */
    public String slotInput() {
        return slotInput;
    }

    /** Slots per pool, slot 0 (the zero slot) included. */
    public int slots() {
        return slots;
    }

    /** The largest adapter rank the pools hold. */
    public int maxRank() {
        return maxRank;
    }

    /** {@code [slots, in, maxRank]}. */
    public long[] poolAShape(LoraTarget target) {
        return new long[] {slots, target.in(), maxRank};
    }

    /** {@code [slots, maxRank, out]}. */
    public long[] poolBShape(LoraTarget target) {
        return new long[] {slots, maxRank, target.out()};
    }

    /** Bytes of one slot of the target's A pool: {@code in * maxRank * 4}. */
    public long slotBytesA(LoraTarget target) {
        return (long) target.in() * maxRank * Float.BYTES;
    }

    /** Bytes of one slot of the target's B pool: {@code maxRank * out * 4}. */
    public long slotBytesB(LoraTarget target) {
        return (long) maxRank * target.out() * Float.BYTES;
    }

    /** Bytes of one slot across all pools: what loading one adapter writes. */
    public long slotBytes() {
        long bytes = 0;
        for (LoraTarget t : targets) {
            bytes += slotBytesA(t) + slotBytesB(t);
        }
        return bytes;
    }

    /** Bytes of all pools: {@code slots * slotBytes()}. */
    public long poolBytes() {
        return slots * slotBytes();
    }

    /** The target an adapter's module path maps to (compared in canonical form), if any. */
    public Optional<LoraTarget> target(String modulePath) {
        Integer i = byCanonicalPath.get(ModulePaths.canonical(modulePath));
        return i == null ? Optional.empty() : Optional.of(targets.get(i));
    }

    /**
     * Checks that the adapter fits this layout: every module maps to a target, no two modules to the
     * same one, {@code lora_A}'s width equals the layer's input width, {@code lora_B}'s height its
     * output width, and the rank is at most {@link #maxRank()}.
     *
     * @throws StatusException INVALID_ARGUMENT naming the adapter's tensor and what does not fit
     */
    public void check(PeftAdapter adapter) {
        bind(adapter);
    }

    /** The adapter's weights per target, in {@link #targets()} order; {@code null} where it has none. */
    LoraWeights[] bind(PeftAdapter adapter) {
        LoraWeights[] bound = new LoraWeights[targets.size()];
        for (LoraWeights module : adapter.modules()) {
            Integer i = byCanonicalPath.get(ModulePaths.canonical(module.modulePath()));
            if (i == null) {
                throw mismatch(adapter, module.a(), "is for module '" + module.modulePath() + "', which base model '" + baseName
                        + "' has no LoRA target for (" + targets.size() + " targets, e.g. '"
                        + (targets.isEmpty() ? "" : targets.getFirst().modulePath()) + "')");
            }
            if (bound[i] != null) {
                throw mismatch(adapter, module.a(), "maps to the same layer '" + targets.get(i).modulePath() + "' as module '"
                        + bound[i].modulePath() + "'");
            }
            LoraTarget target = targets.get(i);
            checkFits(adapter, module, target.modulePath(), target.in(), target.out());
            if (module.rank() > maxRank) {
                throw mismatch(adapter, module.a(), "has rank " + module.rank() + ", more than the max rank " + maxRank
                        + " of base model '" + baseName + "''s adapter slots");
            }
            bound[i] = module;
        }
        return bound;
    }

    /** lora_A is [r, in] and lora_B [out, r] of the layer. */
    static void checkFits(PeftAdapter adapter, LoraWeights module, String layer, int in, int out) {
        if (module.in() != in) {
            throw mismatch(adapter, module.a(), "has shape " + Arrays.toString(module.a().shape()) + " but layer '" + layer
                    + "' takes " + in + " inputs: lora_A must be [" + module.rank() + ", " + in + "]");
        }
        if (module.out() != out) {
            throw mismatch(adapter, module.b(), "has shape " + Arrays.toString(module.b().shape()) + " but layer '" + layer
                    + "' has " + out + " outputs: lora_B must be [" + out + ", " + module.rank() + "]");
        }
    }

    static StatusException mismatch(PeftAdapter adapter, SafeTensor tensor, String message) {
        return new StatusException(Status.invalidArgument("adapter " + adapter.directory() + ": " + PeftAdapter.WEIGHTS_FILE
                + ": tensor '" + tensor.name() + "' " + message));
    }

    @Override
    public String toString() {
        return "LoraLayout[" + baseName + ", " + targets.size() + " targets, slots=" + slots + ", maxRank=" + maxRank + "]";
    }
}
