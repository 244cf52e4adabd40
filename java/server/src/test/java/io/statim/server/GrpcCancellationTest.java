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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deadlines and cancellation reach the scheduler: a call whose deadline passes, or that its client
 * cancels, while its request waits behind a slow one (variable_cost, one instance) is never executed.
 */
class GrpcCancellationTest {
    /** Loop passes of the slow request: several hundred milliseconds, far longer than the deadline below. */
    private static final long SLOW = 300_000;
    private static final long SHORT_DEADLINE_MS = 100;
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(GrpcCancellationTest::variableCostServer);

    private static ServerFixture variableCostServer() {
        try {
            Path repo = Files.createTempDirectory("statim-grpc-cancel");
            TestModels.writeVariableCost(repo);
            return ServerFixture.startOn(repo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first execution of a model pays for ONNX Runtime's warm-up; none of the tests should. */
    @BeforeAll
    static void warmUp() {
        grpc.blocking().modelInfer(GrpcRequests.variableCost("warm-up", 1));
    }

    @Test
    void failsACallWithDeadlineExceededWhenTheModelIsSlower() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> grpc.blocking().withDeadlineAfter(SHORT_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .modelInfer(GrpcRequests.variableCost("slow", SLOW)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // answered at the deadline, not when the execution ends (about 2 µs per loop pass)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5 * SHORT_DEADLINE_MS);
    }

    @Test
    void neverExecutesAQueuedRequestWhoseDeadlinePassed() throws Exception {
        long executions = executions();
        CompletableFuture<ModelInferResponse> slow = send(GrpcRequests.variableCost("slow", SLOW));
        assertThatThrownBy(() -> grpc.blocking().withDeadlineAfter(SHORT_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .modelInfer(GrpcRequests.variableCost("late", 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertOnlySlowAndNextRan(slow, executions);
    }

    @Test
    void neverExecutesAQueuedRequestWhoseCallWasCancelled() throws Exception {
        long executions = executions();
        CompletableFuture<ModelInferResponse> slow = send(GrpcRequests.variableCost("slow", SLOW));
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<ModelInferResponse> cancelled = call.call(() -> send(GrpcRequests.variableCost("cancelled", 1)));
        Thread.sleep(SHORT_DEADLINE_MS);
        call.cancel(null);
        assertThat(cancelled).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        assertOnlySlowAndNextRan(slow, executions);
    }

    @Test
    void releasesTheLateResponseOfARunningRequestWhoseCallWasCancelled() throws Exception {
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<ModelInferResponse> running = call.call(() -> send(GrpcRequests.variableCost("running", SLOW)));
        Thread.sleep(SHORT_DEADLINE_MS);
        call.cancel(null);
        assertThat(running).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        // the execution goes on; its response, when it comes, is released (checked after each test)
    }

    /**
     * Waits for the slow request, then runs one more: with one instance and a FIFO queue, a request that
     * was not dropped would have run before it. Exactly two executions (slow and next) may be counted.
     */
    private static void assertOnlySlowAndNextRan(CompletableFuture<ModelInferResponse> slow, long executionsBefore) {
        assertThat(slow).succeedsWithin(30, TimeUnit.SECONDS);
        grpc.blocking().modelInfer(GrpcRequests.variableCost("next", 1));
        assertThat(executions() - executionsBefore).isEqualTo(2);
    }

    private static long executions() {
        return grpc.blocking().modelStatistics(ModelStatisticsRequest.newBuilder().setName(TestModels.VARIABLE_COST).build())
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
