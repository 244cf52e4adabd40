package io.statim.scheduler.session;

import static io.statim.scheduler.session.SessionModels.error;
import static io.statim.scheduler.session.SessionModels.expectedScore;
import static io.statim.scheduler.session.SessionModels.floats;
import static io.statim.scheduler.session.SessionModels.ints;
import static io.statim.scheduler.session.SessionModels.longs;
import static io.statim.scheduler.session.SessionModels.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.TestRequests.Outcome;
import io.statim.scheduler.ModelStatistics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session scheduler on ONNX Runtime with the two generated session models. */
class SequenceSchedulerTest {
    private static final String ACC = TestModels.ACCUMULATOR;
    private static final String DOC = TestModels.SESSION_DOCUMENT;
    /** One 64-row document: 64 x 256 x 4 bytes = 64 KiB, exactly one size class. */
    private static final int ROWS = 64;
    private static final long DOC_BYTES = ROWS * SessionModels.WIDTH * 4L;

    @TempDir
    Path repo;
    private SessionModels m;

    @AfterEach
    void close() {
        if (m != null) {
            m.close();
        }
    }

    private SessionModels models(long budget, String... edits) throws Exception {
        m = new SessionModels(repo, budget, edits);
        return m;
    }

    private InferenceResponse ask(SequenceScheduler scheduler, Session session, boolean opens, boolean ends, float value) throws Exception {
        Outcome outcome = new Outcome();
        scheduler.submit(request(ACC, List.of(m.input(value)), outcome), session, opens, ends);
        return m.response(outcome);
    }

    private void closeSession(String model, String id) {
        Session s = use(model, id);
        m.store.end(s, SessionEnd.CLOSED);
        m.store.release(s);
    }

    /** The scores of a response, checked against the expected dot products to float precision. */
    private void assertScores(InferenceResponse r, long... rows) {
        float[] expected = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            expected[i] = expectedScore(rows[i]);
        }
        assertThat(floats(r.output("SCORES"))).containsExactly(expected, org.assertj.core.data.Offset.offset(0.01f));
    }

    private Session use(String model, String id) {
        return m.store.acquire(model, id);
    }

    @Test
    void eachSessionAccumulatesItsOwnStateInOrder() throws Exception {
        models(1 << 20);
        SequenceScheduler acc = m.scheduler(ACC);
        Session a = acc.open("42");
        Session b = acc.open(null);
        InferenceResponse a1 = ask(acc, a, true, false, 1);
        InferenceResponse b1 = ask(acc, b, true, false, 10);
        InferenceResponse a2 = ask(acc, use(ACC, "42"), false, false, 2);
        InferenceResponse b2 = ask(acc, use(ACC, b.id()), false, false, 20);
        InferenceResponse a3 = ask(acc, use(ACC, "42"), false, true, 3);

        assertThat(floats(a1.output("OUTPUT"))).containsExactly(1, 1, 1, 1);
        assertThat(floats(a2.output("OUTPUT"))).containsExactly(3, 3, 3, 3);
        assertThat(floats(a3.output("OUTPUT"))).containsExactly(6, 6, 6, 6);
        assertThat(floats(b1.output("OUTPUT"))).containsExactly(10, 10, 10, 10);
        assertThat(floats(b2.output("OUTPUT"))).containsExactly(30, 30, 30, 30);
        // START, END, READY as the model saw them.
        assertThat(ints(a1.output("CONTROLS"))).containsExactly(1, 0, 1);
        assertThat(ints(a2.output("CONTROLS"))).containsExactly(0, 0, 1);
        assertThat(ints(a3.output("CONTROLS"))).containsExactly(0, 1, 1);
        // CORRID: the caller's numeric id, else the session's own number.
        assertThat(longs(a1.output("CORRID_OUT"))).containsExactly(42);
        assertThat(longs(b1.output("CORRID_OUT"))).containsExactly(b.number());
        // The state output is the server's, not the caller's.
        assertThat(a1.output("ACC_OUT")).isNull();
        assertThat(a1.outputs()).hasSize(3);

        assertThatThrownBy(() -> use(ACC, "42")).isInstanceOf(StatusException.class).hasMessageContaining("was closed");
        closeSession(ACC, b.id());
        assertThat(m.store.counters(ACC).openedTotal()).isEqualTo(2);
        assertThat(m.store.counters(ACC).endedTotal(SessionEnd.CLOSED)).isEqualTo(2);
        assertThat(m.store.counters(ACC).openNow()).isZero();
    }

    @Test
    void requestsOfDifferentSessionsAreBatchedTogetherAndEachSessionStaysInOrder() throws Exception {
        // A long queue delay and one instance: the worker waits until four sessions have a request queued.
        models(1 << 20, "max_candidate_sequences: 8 max_queue_delay_microseconds: 0", "max_candidate_sequences: 4 max_queue_delay_microseconds: 2000000",
                "count: 2", "count: 1");
        SequenceScheduler acc = m.scheduler(ACC);
        int sessions = 4;
        int steps = 5;
        List<Session> opened = new ArrayList<>();
        List<List<Outcome>> outcomes = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            opened.add(acc.open("s" + s));
            m.store.release(opened.get(s));
            outcomes.add(new ArrayList<>());
        }
        for (int step = 0; step < steps; step++) {
            for (int s = 0; s < sessions; s++) {
                Outcome outcome = new Outcome();
                outcomes.get(s).add(outcome);
                acc.submit(request(ACC, List.of(m.input(s + 1)), outcome), use(ACC, "s" + s), false, step == steps - 1);
            }
        }
        for (int s = 0; s < sessions; s++) {
            for (int step = 0; step < steps; step++) {
                float expected = (s + 1) * (step + 1);
                assertThat(floats(m.response(outcomes.get(s).get(step)).output("OUTPUT"))).as("session %d step %d", s, step)
                        .containsExactly(expected, expected, expected, expected);
            }
        }
        ModelStatistics.Snapshot stats = m.manager.resolve(ACC, InferenceRequest.LATEST).statistics().snapshot();
        assertThat(stats.batchStats()).as("batches of four sessions").anySatisfy(b -> assertThat(b.batchSize()).isEqualTo(4));
        assertThat(m.store.openSessions()).isZero();
    }

    @Test
    void aCachedDocumentIsSentOnceAndSuppliedToLaterRequests() throws Exception {
        models(1 << 20);
        SequenceScheduler doc = m.scheduler(DOC);
        Session s = doc.open(null);
        Outcome first = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 3), m.query()), first), s, true, false);
        assertScores(m.response(first), 3);
        assertThat(s.bytes()).isEqualTo(DOC_BYTES);
        assertThat(m.device.usedBytes(MemoryUse.SESSION_CACHE)).isEqualTo(DOC_BYTES);

        Outcome second = new Outcome();
        doc.submit(request(DOC, List.of(m.tensors.int64("ROWS", 0, 63, 5), m.query()), second), use(DOC, s.id()), false, true);
        assertScores(m.response(second), 0, 63, 5);
        assertThat(m.device.usedBytes(MemoryUse.SESSION_CACHE)).as("freed at close").isZero();
    }

    @Test
    void aRequestOmittingAnInputTheSessionNeverCachedIsRefused() throws Exception {
        models(1 << 20);
        SequenceScheduler doc = m.scheduler(DOC);
        Session s = doc.open(null);
        Outcome outcome = new Outcome();
        doc.submit(request(DOC, List.of(m.tensors.int64("ROWS", 1), m.query()), outcome), s, false, false);
        Status status = error(outcome);
        assertThat(status.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(status.message()).contains("input 'DOCUMENT' is not cached in session");

        Outcome stateless = new Outcome();
        doc.submit(request(DOC, List.of(m.tensors.int64("ROWS", 1), m.query()), stateless));
        assertThat(error(stateless).message()).contains("missing input 'DOCUMENT'");
        Outcome withDocument = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 2), m.query()), withDocument));
        assertScores(m.response(withDocument), 2);
        closeSession(DOC, s.id());
    }

    @Test
    void theLeastRecentlyUsedIdleSessionIsEvictedWhenTheBudgetIsFull() throws Exception {
        models(2 * DOC_BYTES);
        SequenceScheduler doc = m.scheduler(DOC);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Session s = doc.open(null);
            ids.add(s.id());
            Outcome outcome = new Outcome();
            doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", i), m.query()), outcome), s, true, false);
            assertScores(m.response(outcome), i);
        }
        assertThatThrownBy(() -> use(DOC, ids.get(0))).isInstanceOf(StatusException.class)
                .hasMessageContaining("was evicted because the session memory budget was full")
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT));
        for (String id : ids.subList(1, 3)) {
            Outcome outcome = new Outcome();
            doc.submit(request(DOC, List.of(m.tensors.int64("ROWS", 7), m.query()), outcome), use(DOC, id), false, true);
            assertScores(m.response(outcome), 7);
        }
        assertThat(m.store.counters(DOC).endedTotal(SessionEnd.EVICTED)).isEqualTo(1);
        assertThat(m.store.counters(DOC).endedTotal(SessionEnd.CLOSED)).isEqualTo(2);
    }

    @Test
    void aSessionInUseIsNeverEvictedAndAFullBudgetEndsTheSessionThatCannotFit() throws Exception {
        models(DOC_BYTES);
        SequenceScheduler doc = m.scheduler(DOC);
        Session holder = doc.open(null);
        Outcome first = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 0), m.query()), first), holder, true, false);
        m.response(first);
        Session pinned = use(DOC, holder.id()); // a reference held, as by a queued request
        Session other = doc.open(null);
        Outcome second = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 0), m.query()), second), other, true, false);
        Status status = error(second);
        assertThat(status.code()).isEqualTo(Code.RESOURCE_EXHAUSTED);
        assertThat(status.message()).contains("session memory budget");
        assertThatThrownBy(() -> use(DOC, other.id())).hasMessageContaining("was evicted");
        m.store.release(pinned);
        closeSession(DOC, holder.id());
    }

    @Test
    void aSessionExpiresAfterItsTimeToLive() throws Exception {
        models(1 << 20);
        SequenceScheduler doc = m.scheduler(DOC);
        Session s = doc.open(null);
        Outcome outcome = new Outcome();
        doc.submit(request(DOC, List.of(m.document(ROWS), m.tensors.int64("ROWS", 1), m.query()), outcome), s, true, false);
        m.response(outcome);
        assertThat(s.expiresAtMillis()).isEqualTo(1_700_000_000_000L + 1_200_000L);
        m.clock.advanceSeconds(1199);
        m.store.release(use(DOC, s.id()));
        assertThat(m.store.expireDue()).isZero();
        m.clock.advanceSeconds(1);
        assertThatThrownBy(() -> use(DOC, s.id())).hasMessageContaining("expired");
        assertThat(m.device.usedBytes(MemoryUse.SESSION_CACHE)).isZero();

        Session swept = doc.open(null);
        m.store.release(swept);
        m.clock.advanceSeconds(1200);
        assertThat(m.store.expireDue()).isEqualTo(1);
        assertThatThrownBy(() -> use(DOC, swept.id())).hasMessageContaining("expired");
        assertThat(m.store.counters(DOC).endedTotal(SessionEnd.EXPIRED)).isEqualTo(2);
    }

    @Test
    void unloadingTheModelEndsItsSessionsWithAClearError() throws Exception {
        models(1 << 20);
        Session s = m.scheduler(ACC).open("7");
        m.store.release(s);
        m.manager.unload(ACC);
        assertThatThrownBy(() -> use(ACC, "7")).hasMessageContaining("ended because its model was unloaded");
        assertThat(m.store.counters(ACC).endedTotal(SessionEnd.UNLOADED)).isEqualTo(1);
    }

    @Test
    void anUnknownSessionIsABadRequest() throws Exception {
        models(1 << 20);
        assertThatThrownBy(() -> use(ACC, "nope")).isInstanceOf(StatusException.class).hasMessageContaining("is unknown")
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT));
    }

    @Test
    void aStatelessRequestRunsAsASequenceOfOne() throws Exception {
        models(1 << 20);
        Outcome outcome = new Outcome();
        m.scheduler(ACC).submit(request(ACC, List.of(m.input(5)), outcome));
        InferenceResponse r = m.response(outcome);
        assertThat(floats(r.output("OUTPUT"))).containsExactly(5, 5, 5, 5);
        assertThat(ints(r.output("CONTROLS"))).containsExactly(1, 1, 1);
    }

    @Test
    void concurrentSessionsEachGetTheirOwnSums() throws Exception {
        models(1 << 20);
        SequenceScheduler acc = m.scheduler(ACC);
        int threads = 8;
        int steps = 20;
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int value = t + 1;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    Session s = acc.open(null);
                    String id = s.id();
                    for (int step = 0; step < steps; step++) {
                        Session use = step == 0 ? s : use(ACC, id);
                        InferenceResponse r;
                        synchronized (this) {
                            Outcome outcome = new Outcome();
                            acc.submit(request(ACC, List.of(m.input(value)), outcome), use, step == 0, step == steps - 1);
                            r = m.response(outcome);
                        }
                        float expected = value * (step + 1);
                        assertThat(floats(r.output("OUTPUT"))).containsExactly(expected, expected, expected, expected);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(failures).isEmpty();
        assertThat(m.store.openSessions()).isZero();
    }
}
