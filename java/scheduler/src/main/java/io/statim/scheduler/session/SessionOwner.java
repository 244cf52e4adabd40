package io.statim.scheduler.session;

/** What serves a session: one version of one model. Implemented by the sequence scheduler. */
public interface SessionOwner {
    /** The model name; sessions are named per model. */
    String modelName();

    /** The model version serving the session. */
    long version();

    /** The session ended (closed, expired, evicted, unloaded); the owner unpins it. Any thread, store lock not held. */
    void sessionEnded(Session session);
}
