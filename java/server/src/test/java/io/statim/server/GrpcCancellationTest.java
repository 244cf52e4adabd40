package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelStatisticsRequest;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deadlines and cancellation reach the scheduler: a call whose deadline passes, or that its client
 * cancels, while its request waits in the queue is never executed; one whose request already runs is
 * answered at once and its late response released.
 *
 * <p>No assertion races a clock. Requests are held in the queue by {@value #HELD}, a copy of
 * variable_cost whose batches wait {@link ServerFixture#HOLD_US} to fill: a one-row request stays
 * queued until the test sends a full batch. Running requests are slow requests of variable_cost
 * (one instance, no batching), and the tests look at the order of events (the call failed before the
 * execution was counted), not at how long anything took.
 */
class GrpcCancellationTest {
    /** Loop passes of the slow request: about 5 s here (about 2 µs per pass), far longer than the deadline below. */
    private static final long SLOW = 2_500_000;
    /** Long enough for the call to surely reach the scheduler first on a loaded machine, short beside {@link #SLOW}. */
    private static final long SHORT_DEADLINE_MS = 1_000;
    /**
     * The deadline of a held request: it passes while the request waits in the queue whatever it is,
     * so it is only long enough for the call to surely reach the scheduler before it passes.
     */
    private static final long HELD_DEADLINE_MS = 1_000;
    /** A copy of variable_cost whose requests stay queued until a batch of {@link #FULL} rows fills. */
    private static final String HELD = "variable_cost_held";
    /** variable_cost's max_batch_size: a request of this many rows fills a batch alone and runs at once. */
    private static final int FULL = 8;
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(GrpcCancellationTest::variableCostServer);

    private static ServerFixture variableCostServer() {
        try {
            Path repo = Files.createTempDirectory("statim-grpc-cancel");
            TestModels.writeVariableCost(repo);
            ServerFixture.copyModel(repo, TestModels.VARIABLE_COST, HELD,
                    config -> config + "dynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }\n");
            return ServerFixture.startOn(repo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first execution of a model pays for ONNX Runtime's warm-up; none of the tests should. */
    @BeforeAll
    static void warmUp() {
        grpc.blocking().modelInfer(GrpcRequests.variableCost("warm-up", 1));
        grpc.blocking().modelInfer(GrpcRequests.variableCost(HELD, "warm-up", FULL, 1));
    }

    /**
     * Each test starts, and ends before the leak check, with both models idle: a slow execution that
     * a test left running (its call failed or was cancelled) has ended and been counted.
     */
    @BeforeEach
    @AfterEach
    void modelsAreIdle() {
        awaitIdle(model(TestModels.VARIABLE_COST));
        awaitIdle(model(HELD));
    }

    @Test
    void failsACallWithDeadlineExceededWhenTheModelIsSlower() {
        ServedModel slowModel = model(TestModels.VARIABLE_COST);
        long executions = slowModel.statistics().snapshot().executionCount();
        assertThatThrownBy(() -> grpc.blocking().withDeadlineAfter(SHORT_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .modelInfer(GrpcRequests.variableCost("slow", SLOW)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // Answered at the deadline, not when the execution ends: it has not ended yet (it is counted
        // just before its response is handed over).
        assertThat(slowModel.statistics().snapshot().executionCount()).as("executions when the call failed").isEqualTo(executions);
        // It did run, and went on after its call failed.
        ServerFixture.await(() -> slowModel.statistics().snapshot().executionCount() == executions + 1, "the slow execution ends",
                Duration.ofSeconds(60));
    }

    @Test
    void neverExecutesAQueuedRequestWhoseDeadlinePassed() {
        ServedModel held = model(HELD);
        ModelStatistics.Snapshot before = held.statistics().snapshot();
        assertThatThrownBy(() -> grpc.blocking().withDeadlineAfter(HELD_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .modelInfer(GrpcRequests.variableCost(HELD, "late", 1, 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // It reached the queue (where nothing could take it: its batch was not full) and left it
        // when its deadline passed.
        awaitDropped(held, before);
        assertOnlyAFullBatchRuns(held, before);
    }

    @Test
    void neverExecutesAQueuedRequestWhoseCallWasCancelled() throws Exception {
        ServedModel held = model(HELD);
        ModelStatistics.Snapshot before = held.statistics().snapshot();
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<ModelInferResponse> cancelled = call.call(() -> send(GrpcRequests.variableCost(HELD, "cancelled", 1, 1)));
        ServerFixture.await(() -> held.scheduler().queuedRequests() == 1, "the request is queued");
        call.cancel(null);
        assertThat(cancelled).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        awaitDropped(held, before);
        assertOnlyAFullBatchRuns(held, before);
    }

    @Test
    void releasesTheLateResponseOfARunningRequestWhoseCallWasCancelled() throws Exception {
        ServedModel slowModel = model(TestModels.VARIABLE_COST);
        ModelStatistics.Snapshot before = slowModel.statistics().snapshot();
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<ModelInferResponse> running = call.call(() -> send(GrpcRequests.variableCost("running", SLOW)));
        // It left the queue for its execution (counted when the execution starts).
        ServerFixture.await(() -> slowModel.statistics().snapshot().queueCount() == before.queueCount() + 1, "the request runs");
        call.cancel(null);
        assertThat(running).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        // The execution goes on; its response, when it comes, is released (the leak check after
        // each test runs once it has ended).
        ServerFixture.await(() -> slowModel.statistics().snapshot().executionCount() == before.executionCount() + 1,
                "the cancelled call's execution ends", Duration.ofSeconds(60));
    }

    /** The one request the test queued left the queue without running, as CANCELED. */
    private static void awaitDropped(ServedModel held, ModelStatistics.Snapshot before) {
        ServerFixture.await(() -> held.scheduler().queuedRequests() == 0
                && held.statistics().snapshot().failures(FailureReason.CANCELED) == before.failures(FailureReason.CANCELED) + 1,
                "the request is dropped from the queue");
        assertThat(held.statistics().snapshot().queueCount()).as("requests that left the queue to run").isEqualTo(before.queueCount());
    }

    /**
     * Runs a request that fills a batch alone: a dropped request that was still queued, being older,
     * would run first, in a batch of its own (the two do not fit in one). Exactly one execution, of
     * that request alone, may be counted.
     */
    private static void assertOnlyAFullBatchRuns(ServedModel held, ModelStatistics.Snapshot before) {
        grpc.blocking().modelInfer(GrpcRequests.variableCost(HELD, "next", FULL, 1));
        ModelStatistics.Snapshot after = held.statistics().snapshot();
        assertThat(after.executionCount() - before.executionCount()).as("executions").isEqualTo(1);
        assertThat(after.inferenceCount() - before.inferenceCount()).as("rows executed").isEqualTo(FULL);
        assertThat(executions(HELD)).as("executions, as gRPC statistics report them").isEqualTo(after.executionCount());
    }

    /** Nothing queued, and every request that left the queue has been executed and counted. */
    private static void awaitIdle(ServedModel model) {
        ServerFixture.await(() -> {
            ModelStatistics.Snapshot s = model.statistics().snapshot();
            return model.scheduler().queuedRequests() == 0 && s.queueCount() == s.computeCount();
        }, "model '" + model.name() + "' is idle", Duration.ofSeconds(60));
    }

    private static ServedModel model(String name) {
        return grpc.fixture.server.models().resolve(name, InferenceRequest.LATEST);
    }

    private static long executions(String model) {
        return grpc.blocking().modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).build())
                .getModelStats(0).getExecutionCount();
    }

    private static CompletableFuture<ModelInferResponse> send(ModelInferRequest request) {
        CompletableFuture<ModelInferResponse> answer = new CompletableFuture<>();
        grpc.async.modelInfer(request, new StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse response) {
                answer.complete(response);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answer.complete(null);
            }
        });
        return answer;
    }
}
