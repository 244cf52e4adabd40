package io.statim.server;

import static io.statim.server.GrpcRequests.input;
import static io.statim.server.GrpcRequests.ints;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelStreamInferResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ModelStreamInfer: many requests in flight on one stream, answered as they complete. */
class GrpcStreamTest {
    private static final int IN_FLIGHT = 16;
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(ServerFixture::start);

    @Test
    void answersEveryRequestInFlightOnOneStreamWithItsId() throws Exception {
        Answers answers = new Answers();
        StreamObserver<ModelInferRequest> requests = grpc.async.modelStreamInfer(answers);
        for (int i = 0; i < IN_FLIGHT; i++) {
            requests.onNext(GrpcRequests.simpleRaw("r" + i).build());
        }
        requests.onCompleted();
        answers.await();
        assertThat(answers.byId).hasSize(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            ModelStreamInferResponse answer = answers.byId.get("r" + i);
            assertThat(answer.getErrorMessage()).isEmpty();
            assertThat(ints(answer.getInferResponse().getRawOutputContents(0))).startsWith(1, 2, 3);
        }
    }

    @Test
    void keepsTheStreamOpenAfterARequestFails() throws Exception {
        Answers answers = new Answers();
        StreamObserver<ModelInferRequest> requests = grpc.async.modelStreamInfer(answers);
        requests.onNext(GrpcRequests.simpleRaw("good-1").build());
        requests.onNext(GrpcRequests.simpleRaw("bad").setInputs(1, input("INPUT1", "INT32", 1, 3)).build());
        requests.onNext(GrpcRequests.simpleRaw("good-2").build());
        requests.onCompleted();
        answers.await();
        assertThat(answers.byId.keySet()).containsExactlyInAnyOrder("good-1", "bad", "good-2");
        assertThat(answers.byId.get("bad").getErrorMessage()).contains("INPUT1");
        assertThat(answers.byId.get("bad").getInferResponse().getModelName()).isEqualTo("simple");
        assertThat(answers.byId.get("good-2").getErrorMessage()).isEmpty();
        assertThat(answers.byId.get("good-2").getInferResponse().getOutputsCount()).isEqualTo(2);
    }

    /** Collects a stream's answers by request id until the server completes the stream. */
    private static final class Answers implements StreamObserver<ModelStreamInferResponse> {
        final Map<String, ModelStreamInferResponse> byId = new ConcurrentHashMap<>();
        final CountDownLatch completed = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        @Override
        public void onNext(ModelStreamInferResponse answer) {
            byId.put(answer.getInferResponse().getId(), answer);
        }

        @Override
        public void onError(Throwable t) {
            failure.set(t);
            completed.countDown();
        }

        @Override
        public void onCompleted() {
            completed.countDown();
        }

        void await() throws InterruptedException {
            assertThat(completed.await(30, TimeUnit.SECONDS)).as("the stream completed").isTrue();
            assertThat(failure.get()).as("the stream failed").isNull();
        }
    }
}
