package io.statim.core.device;

/** Something whose memory is given back by one explicit call. */
@FunctionalInterface
public interface Releasable {
    /** Gives the memory back; called exactly once by the owner. */
    void release();
}
