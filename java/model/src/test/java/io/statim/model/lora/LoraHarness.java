package io.statim.model.lora;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a rewritten model on a batch that mixes adapters and the base and merged models it must agree
 * with, on ONNX Runtime (one thread).
 */
final class LoraHarness {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** Outcome of one comparison: the worst relative error of a row against its reference, and how far adapter rows moved from the base. */
    record Comparison(double maxRelativeError, double minAdapterEffect, int rows) {
    }

    private LoraHarness() {
    }

    static OrtSession session(ModelProto model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        return ENV.createSession(model.toByteArray(), options);
    }

    /** The first output, one flat FP32 array per batch row. */
    static float[][] run(OrtSession session, Map<String, OnnxTensor> inputs, int batch) throws OrtException {
        try (OrtSession.Result result = session.run(inputs)) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            float[] flat = new float[(int) out.getInfo().getNumElements()];
            out.getFloatBuffer().get(flat);
            int row = flat.length / batch;
            float[][] rows = new float[batch][row];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * row, rows[b], 0, row);
            }
            return rows;
        }
    }

    /** max |x - y| / max |y| over one row. */
    static double relativeError(float[] actual, float[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    /**
     * Loads adapter {@code k} into slot {@code k + 1} of freshly zeroed pools, runs the rewritten model
     * on {@code inputs} with the given slot per row, and compares each row with the base model
     * (slot 0) or the model with that row's adapter merged in.
     *
     * @param inputs makes the base model's inputs (called once per model run; the tensors are closed after)
     */
    static Comparison compare(ModelProto base, LoraGraphRewrite.Result rewritten, List<PeftAdapter> adapters, long[] rowSlots,
                              Function<OrtEnvironment, Map<String, OnnxTensor>> inputs) throws OrtException {
        LoraLayout layout = rewritten.layout();
        int batch = rowSlots.length;
        float[][] actual;
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> poolsA = new ArrayList<>();
            List<MemorySegment> poolsB = new ArrayList<>();
            for (LoraTarget t : layout.targets()) {
                poolsA.add(arena.allocate(layout.slots() * layout.slotBytesA(t), 64));
                poolsB.add(arena.allocate(layout.slots() * layout.slotBytesB(t), 64));
            }
            for (int k = 0; k < adapters.size(); k++) {
                LoraSlotWriter.write(layout, adapters.get(k), k + 1, poolsA, poolsB);
            }
            Map<String, OnnxTensor> feed = new HashMap<>(inputs.apply(ENV));
            try {
                feed.put(layout.slotInput(), OnnxTensor.createTensor(ENV, LongBuffer.wrap(rowSlots), new long[] {batch}));
                for (int t = 0; t < layout.targets().size(); t++) {
                    LoraTarget target = layout.targets().get(t);
                    feed.put(target.poolA(), OnnxTensor.createTensor(ENV,
                            poolsA.get(t).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(), layout.poolAShape(target)));
                    feed.put(target.poolB(), OnnxTensor.createTensor(ENV,
                            poolsB.get(t).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(), layout.poolBShape(target)));
                }
                try (OrtSession session = session(rewritten.model())) {
                    actual = run(session, feed, batch);
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
        float[][] baseRows = runOn(base, inputs, batch);
        double worst = 0;
        double minEffect = Double.MAX_VALUE;
        int compared = 0;
        for (int slot = 0; slot <= adapters.size(); slot++) {
            float[][] expected = slot == 0 ? baseRows : runOn(LoraMerge.merge(base, adapters.get(slot - 1)), inputs, batch);
            for (int row = 0; row < batch; row++) {
                if (rowSlots[row] == slot) {
                    worst = Math.max(worst, relativeError(actual[row], expected[row]));
                    if (slot != 0) {
                        minEffect = Math.min(minEffect, relativeError(baseRows[row], expected[row]));
                    }
                    compared++;
                }
            }
        }
        return new Comparison(worst, minEffect, compared);
    }

    private static float[][] runOn(ModelProto model, Function<OrtEnvironment, Map<String, OnnxTensor>> inputs, int batch)
            throws OrtException {
        Map<String, OnnxTensor> feed = inputs.apply(ENV);
        try (OrtSession session = session(model)) {
            return run(session, feed, batch);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }
}
