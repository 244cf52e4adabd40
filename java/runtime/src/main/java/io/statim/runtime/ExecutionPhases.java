package io.statim.runtime;

/**
 * How long the phases of one {@link ModelInstance#execute} took, in nanoseconds, as Triton's
 * statistics split them: input (gathering and converting inputs: copies, tokenization), infer (the
 * backend's run) and output (copying, slicing or pooling outputs). Owned and rewritten by the
 * instance on each execute; read by its worker thread right after execute returns.
 */
public final class ExecutionPhases {
    private long inputNs;
    private long inferNs;
    private long outputNs;

    /** Records the phases of the execution that just finished. */
    public void set(long inputNs, long inferNs, long outputNs) {
        this.inputNs = inputNs;
        this.inferNs = inferNs;
        this.outputNs = outputNs;
    }

    public long inputNs() {
        return inputNs;
    }

    public long inferNs() {
        return inferNs;
    }

    public long outputNs() {
        return outputNs;
    }
}
