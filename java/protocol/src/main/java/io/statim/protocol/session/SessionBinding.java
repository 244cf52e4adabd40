package io.statim.protocol.session;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.session.SequenceScheduler;
import io.statim.scheduler.session.Session;
import io.statim.scheduler.session.SessionEnd;
import io.statim.scheduler.session.SessionStore;
import java.time.Instant;

/**
 * A request bound to its session before it is submitted: the session is opened or looked up first, so
 * that a bad session id is refused before any work and the reply headers (new session id, expiry,
 * closed session id) are known before the response can arrive. Every protocol goes through here.
 *
 * <p>Ownership: a binding holds a reference to its session until {@link #submit} hands it to the
 * scheduler, or {@link #abandon} gives it back (and ends a session it opened).
 */
public final class SessionBinding {
    private final ServedModel served;
    private final SessionStore store;
    private final Session session;
    private final boolean opens;
    private final boolean ends;
    private boolean done;

    private SessionBinding(ServedModel served, SessionStore store, Session session, boolean opens, boolean ends) {
        this.served = served;
        this.store = store;
        this.session = session;
        this.opens = opens;
        this.ends = ends;
    }

    /**
     * Opens or looks up the session that {@code intent} names.
     *
     * @throws StatusException INVALID_ARGUMENT when the model has no sessions or the session is
     *                         unknown, closed, expired or evicted
     */
    public static SessionBinding bind(ServedModel served, SessionStore store, SessionIntent intent) {
        if (intent.kind() == SessionIntent.Kind.NONE) {
            return new SessionBinding(served, store, null, false, false);
        }
        SequenceScheduler scheduler = sequenceScheduler(served);
        Session session = intent.kind() == SessionIntent.Kind.OPEN
                ? scheduler.open(intent.id())
                : store.acquire(served.name(), intent.id());
        if (session.owner() != scheduler) {
            store.release(session);
            throw new StatusException(Code.INVALID_ARGUMENT, "session '" + session.id() + "' belongs to version "
                    + session.owner().version() + " of model '" + served.name() + "', not to version " + served.version());
        }
        return new SessionBinding(served, store, session, intent.kind() == SessionIntent.Kind.OPEN, intent.end());
    }

    /** The sequence scheduler of a model with sessions; INVALID_ARGUMENT for a model without. */
    public static SequenceScheduler sequenceScheduler(ServedModel served) {
        if (served.scheduler() instanceof SequenceScheduler scheduler) {
            return scheduler;
        }
        throw new StatusException(Code.INVALID_ARGUMENT, "model '" + served.name() + "' has no sessions: its config has no sequence_batching");
    }

    /** Opens a session without a request (SageMaker's NEW_SESSION request) and returns it; no reference is kept. */
    public static Session openOnly(ServedModel served) {
        Session session = sequenceScheduler(served).open(null);
        ((SequenceScheduler) session.owner()).store().release(session);
        return session;
    }

    /**
     * Closes a session without a request (SageMaker's CLOSE request); requests of it already queued
     * still run.
     *
     * @throws StatusException INVALID_ARGUMENT as {@link #bind} does
     */
    public static void closeOnly(ServedModel served, SessionStore store, String id) {
        sequenceScheduler(served);
        Session session = store.acquire(served.name(), id);
        store.end(session, SessionEnd.CLOSED);
        store.release(session);
    }

    /** The id of the session this request opens, or {@code null}. */
    public String openedId() {
        return opens ? session.id() : null;
    }

    /** When the session this request opens expires, or {@code null}. */
    public Instant expires() {
        return opens ? Instant.ofEpochMilli(session.expiresAtMillis()) : null;
    }

    /** The id of the session this request closes, or {@code null}. */
    public String closedId() {
        return ends && session != null ? session.id() : null;
    }

    /** The session, or {@code null} for a stateless request. */
    public Session session() {
        return session;
    }

    /** The scheduler the request goes to (to cancel it through, should its caller go away). */
    public Scheduler scheduler() {
        return session == null ? served.scheduler() : (SequenceScheduler) session.owner();
    }

    /** Submits the request to the model's scheduler, with the session's reference. Once. */
    public void submit(InferenceRequest request) {
        checkOnce();
        if (session == null) {
            served.scheduler().submit(request);
        } else {
            ((SequenceScheduler) session.owner()).submit(request, session, opens, ends);
        }
    }

    /** The request will not be submitted: gives the reference back and ends a session it opened. Once. */
    public void abandon() {
        checkOnce();
        if (session != null) {
            if (opens) {
                store.end(session, SessionEnd.CLOSED);
            }
            store.release(session);
        }
    }

    private void checkOnce() {
        if (done) {
            throw new IllegalStateException("binding already used");
        }
        done = true;
    }
}
