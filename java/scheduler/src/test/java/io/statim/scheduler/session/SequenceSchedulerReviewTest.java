package io.statim.scheduler.session;

import static io.statim.scheduler.session.SessionModels.expectedScore;
import static io.statim.scheduler.session.SessionModels.floats;
import static io.statim.scheduler.session.SessionModels.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.TestRequests.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review findings on the session scheduler and store; each test fails on the code as reviewed. */
class SequenceSchedulerReviewTest {
    private static final String ACC = TestModels.ACCUMULATOR;
    private static final String DOC = TestModels.SESSION_DOCUMENT;
    private static final int ROWS = 64;
    private static final long DOC_BYTES = ROWS * SessionModels.WIDTH * 4L;
    /** One instance and a long queue delay: the lane waits for four sessions before it runs a batch. */
    private static final String[] WAITING_LANE = {
            "max_candidate_sequences: 8 max_queue_delay_microseconds: 0", "max_candidate_sequences: 4 max_queue_delay_microseconds: 5000000",
            "count: 2", "count: 1"};

    @TempDir
    Path repo;
    private SessionModels m;

    @AfterEach
    void close() {
        if (m != null) {
            m.close();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private Session opened(SequenceScheduler s, String id) {
        Session session = s.open(id);
        m.store.release(session);
        return session;
    }

    /**
     * SequenceLane.work: a request swept out of the queue as timed out, while the lane keeps waiting for
     * more sessions, sits in a local list; when the model unloads then, the worker returns and the
     * request is never failed (its caller waits forever) and its session reference is never given back.
     */
    @Test
    void aRequestThatTimedOutWhileTheLaneWaitedIsStillAnsweredWhenTheModelUnloads() throws Exception {
        m = new SessionModels(repo, 1 << 20, WAITING_LANE);
        SequenceScheduler acc = m.scheduler(ACC);
        Session s1 = opened(acc, "s1");
        opened(acc, "s2");
        opened(acc, "s3");
        Outcome timedOut = new Outcome();
        acc.submit(new InferenceRequest("r1", ACC, InferenceRequest.LATEST, List.of(m.input(1)), List.of(), 1, System.nanoTime(),
                timedOut, InferenceRequest.DEFAULT_PRIORITY, TimeUnit.MILLISECONDS.toNanos(20)), m.store.acquire(ACC, "s1"), false, false);
        Outcome second = new Outcome();
        acc.submit(request(ACC, List.of(m.input(2)), second), m.store.acquire(ACC, "s2"), false, false);
        Thread.sleep(100); // r1's timeout passes while the lane waits for more sessions
        Outcome third = new Outcome();
        acc.submit(request(ACC, List.of(m.input(3)), third), m.store.acquire(ACC, "s3"), false, false); // wakes the lane: it sweeps r1
        await(() -> acc.queuedRequests() == 2, "the lane to sweep the timed-out request");

        m.manager.unload(ACC);

        assertThat(second.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(third.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.UNAVAILABLE);
        assertThatCode(() -> timedOut.error.get(2, TimeUnit.SECONDS)).as("the timed-out request is answered").doesNotThrowAnyException();
        assertThat(s1.references).as("references left on the timed-out request's session").isZero();
    }

    /** The same with a cancelled request: its session's reference (and so its memory) is never given back. */
    @Test
    void aCancelledRequestSweptWhileTheLaneWaitedGivesItsSessionBackWhenTheModelUnloads() throws Exception {
        m = new SessionModels(repo, 1 << 20, WAITING_LANE);
        SequenceScheduler acc = m.scheduler(ACC);
        Session s1 = opened(acc, "s1");
        opened(acc, "s2");
        Outcome cancelled = new Outcome();
        InferenceRequest r1 = request(ACC, List.of(m.input(1)), cancelled);
        acc.submit(r1, m.store.acquire(ACC, "s1"), false, false);
        Outcome second = new Outcome();
        acc.submit(request(ACC, List.of(m.input(2)), second), m.store.acquire(ACC, "s2"), false, false);
        acc.cancel(r1);
        assertThat(cancelled.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.CANCELLED);
        await(() -> acc.queuedRequests() == 1, "the lane to sweep the cancelled request");

        m.manager.unload(ACC);

        assertThat(second.error.get(5, TimeUnit.SECONDS).code()).isEqualTo(Code.UNAVAILABLE);
        await(() -> s1.references == 0, "the cancelled request's session reference to come back");
    }

    /**
     * ARCHITECTURE: "none evictable -> 429 and the session ends, so nothing runs later on stale state".
     * A request of the session bound before the failing one ran still runs, on the document the caller
     * had replaced, and is answered from it.
     */
    @Test
    void aRequestBehindOneWhoseInputsCouldNotBeKeptDoesNotRunOnTheStaleDocument() throws Exception {
        m = new SessionModels(repo, DOC_BYTES + 16 * 1024);
        SequenceScheduler doc = m.scheduler(DOC);
        Session s = doc.open(null);
        Outcome first = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 3), m.query()), first), s, true, false);
        m.response(first);
        Session boundEarly = m.store.acquire(DOC, s.id()); // a later request, already bound to the session

        // The caller replaces the document; the session cannot hold the new one (32 KiB more do not fit).
        float[] values = new float[32 * SessionModels.WIDTH];
        for (int r = 0; r < 32; r++) {
            for (int c = 0; c < SessionModels.WIDTH; c++) {
                values[r * SessionModels.WIDTH + c] = (r + 100) + c / 1000f;
            }
        }
        Tensor replacement = m.tensors.fp32("DOCUMENT", values, 32, SessionModels.WIDTH);
        Outcome replace = new Outcome();
        doc.submit(request(DOC, List.of(replacement, m.tensors.int64("ROWS", 0), m.query()), replace), m.store.acquire(DOC, s.id()),
                false, false);
        assertThat(replace.error.get(10, TimeUnit.SECONDS).code()).isEqualTo(Code.RESOURCE_EXHAUSTED);

        Outcome later = new Outcome();
        doc.submit(request(DOC, List.of(m.tensors.int64("ROWS", 5), m.query()), later), boundEarly, false, false);
        java.util.concurrent.CompletableFuture.anyOf(later.response, later.error).get(10, TimeUnit.SECONDS);
        if (later.response.isDone()) {
            InferenceResponse r = m.response(later);
            throw new AssertionError("answered from the stale document: score " + floats(r.output("SCORES"))[0]
                    + " = row 5 of the first document (" + expectedScore(5) + "), which the caller had replaced");
        }
    }

    /**
     * SessionStore.allocate ends idle sessions that hold no memory (a session opened by NEW_SESSION and
     * not used yet) before one that does: their callers get "was evicted" for nothing freed.
     */
    @Test
    void anIdleSessionHoldingNoMemoryIsNotEvictedToMakeRoom() throws Exception {
        m = new SessionModels(repo, DOC_BYTES);
        SequenceScheduler doc = m.scheduler(DOC);
        Session empty = opened(doc, null); // least recently used, holds nothing
        for (int i = 0; i < 2; i++) {
            Session s = doc.open(null);
            Outcome outcome = new Outcome();
            doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 1), m.query()), outcome), s, true, false);
            m.response(outcome);
        }
        assertThatCode(() -> m.store.release(m.store.acquire(DOC, empty.id()))).as("the empty session is still open")
                .doesNotThrowAnyException();
    }

    /** Session.hold counts a buffer reused in place once more on every request. */
    @Test
    void aSessionsBytesStayTheSizeOfItsStateWhenTheStateBufferIsReused() throws Exception {
        m = new SessionModels(repo, 1 << 20);
        SequenceScheduler acc = m.scheduler(ACC);
        Session s = acc.open(null);
        String id = s.id();
        for (int i = 0; i < 3; i++) {
            Outcome outcome = new Outcome();
            acc.submit(request(ACC, List.of(m.input(1)), outcome), i == 0 ? s : m.store.acquire(ACC, id), i == 0, false);
            m.response(outcome);
        }
        assertThat(s.bytes()).isEqualTo(TestModels.ACCUMULATOR_WIDTH * 4L);
        Session c = m.store.acquire(ACC, id);
        m.store.end(c, SessionEnd.CLOSED);
        m.store.release(c);
    }

    /**
     * SequenceScheduler.settle calls the listener unguarded (DynamicBatcher guards deliver for "a
     * listener that throws (an event loop shutting down)"): one throwing listener kills the lane's
     * worker, and every later request of the instance waits forever.
     */
    @Test
    void aListenerThatThrowsDoesNotTakeTheLaneWithIt() throws Exception {
        m = new SessionModels(repo, 1 << 20);
        SequenceScheduler doc = m.scheduler(DOC);
        ResponseListener throwing = new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                response.release();
            }

            @Override
            public void onError(Status status) {
                throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
            }
        };
        // Refused in prepare (no DOCUMENT): settled with the throwing listener.
        doc.submit(new InferenceRequest("bad", DOC, InferenceRequest.LATEST, List.of(m.tensors.int64("ROWS", 1), m.query()), List.of(), 1,
                System.nanoTime(), throwing));
        Outcome next = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 2), m.query()), next));
        m.response(next);
    }
}
