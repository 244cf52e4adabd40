package io.statim.scheduler.session;

/** Why a session ended; each is counted, and a later request naming the session is told which. */
public enum SessionEnd {
    /** The caller closed it (SageMaker CLOSE, OIP {@code sequence_end}). */
    CLOSED("was closed"),
    /** Its time to live passed. */
    EXPIRED("expired"),
    /** Its memory was taken for other sessions when the session memory budget was full. */
    EVICTED("was evicted because the session memory budget was full; open a new session"),
    /** Its model version was unloaded (or reloaded). */
    UNLOADED("ended because its model was unloaded");

    private final String phrase;

    SessionEnd(String phrase) {
        this.phrase = phrase;
    }

    /** What a 400 says about a session that ended this way: "session 'x' " + phrase. */
    public String phrase() {
        return phrase;
    }

    /** The label of this end in metrics. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
