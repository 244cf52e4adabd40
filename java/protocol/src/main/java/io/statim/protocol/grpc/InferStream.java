package io.statim.protocol.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.statim.core.status.Status;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelStreamInferResponse;
import io.statim.protocol.session.SessionBinding;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.runtime.InferenceResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ModelStreamInfer call. Each request message starts its inference at once, so many are in flight
 * on one stream; each is answered as soon as it completes, in completion order, with its response or,
 * when it failed, with {@code error_message} set (and the model, version and id it named) while the
 * stream stays open. The stream completes once the client has half-closed and every request is answered.
 * When the client goes away, the requests still in flight are cancelled.
 *
 * <p>Threads: gRPC calls this observer one message at a time on its transport thread; completions arrive
 * on scheduler threads; answers go out through a {@link SerializedObserver}. Outbound flow control is
 * gRPC's buffering: answers are not held back when the client reads slowly.
 */
final class InferStream implements StreamObserver<ModelInferRequest> {
    private final GrpcInference inference;
    private final SerializedObserver<ModelStreamInferResponse> out;
    private final Set<StreamedRequest> inFlight = ConcurrentHashMap.newKeySet();
    /** Requests not yet answered, plus one while the client may send more. */
    private final AtomicInteger open = new AtomicInteger(1);

    /** Must be made while gRPC runs the call's method: it registers the stream's cancel handler. */
    InferStream(GrpcInference inference, ServerCallStreamObserver<ModelStreamInferResponse> call) {
        this.inference = inference;
        this.out = new SerializedObserver<>(call);
        call.setOnCancelHandler(this::cancelInFlight);
    }

    @Override
    public void onNext(ModelInferRequest message) {
        open.incrementAndGet();
        try {
            inference.start(message, decoded -> new StreamedRequest(decoded, message));
        } catch (RuntimeException e) {
            answer(failure(message, GrpcStatus.of(e, "ModelStreamInfer")));
        }
    }

    /** The client cancelled the call or it failed: nobody is listening any more. */
    @Override
    public void onError(Throwable t) {
        cancelInFlight();
    }

    @Override
    public void onCompleted() {
        closeOne();
    }

    private void cancelInFlight() {
        for (StreamedRequest r : inFlight) {
            r.cancel.run();
        }
    }

    private void answer(ModelStreamInferResponse response) {
        out.onNext(response);
        closeOne();
    }

    private void closeOne() {
        if (open.decrementAndGet() == 0) {
            out.onCompleted();
        }
    }

    /** The in-band answer to a request that failed: the reason, and what the request named. */
    private static ModelStreamInferResponse failure(ModelInferRequest message, Status status) {
        return ModelStreamInferResponse.newBuilder()
                .setErrorMessage(status.message())
                .setInferResponse(ModelInferResponse.newBuilder()
                        .setModelName(message.getModelName())
                        .setModelVersion(message.getModelVersion())
                        .setId(message.getId()))
                .build();
    }

    /** One request of the stream in flight; owns its decoded request until it is answered. */
    private final class StreamedRequest implements GrpcInference.Listener {
        private final DecodedRequest decoded;
        private final ModelInferRequest message;
        /** Set before the request is submitted and published by {@link #inFlight}. */
        private Runnable cancel;
        /** Set before the request is submitted. */
        private SessionBinding session;

        StreamedRequest(DecodedRequest decoded, ModelInferRequest message) {
            this.decoded = decoded;
            this.message = message;
        }

        @Override
        public void bound(SessionBinding binding) {
            session = binding;
        }

        @Override
        public void submitting(Runnable cancelRequest) {
            cancel = cancelRequest;
            inFlight.add(this);
        }

        @Override
        public void onResponse(InferenceResponse response) {
            ModelStreamInferResponse answer;
            try {
                answer = ModelStreamInferResponse.newBuilder()
                        .setInferResponse(GrpcResponseEncoder.encode(response, decoded.outputNames(), session))
                        .build();
            } catch (RuntimeException e) {
                answer = failure(message, GrpcStatus.of(e, "ModelStreamInfer"));
            } finally {
                response.release();
                decoded.release();
            }
            inFlight.remove(this);
            answer(answer);
        }

        @Override
        public void onError(Status status) {
            decoded.release();
            inFlight.remove(this);
            answer(failure(message, status));
        }
    }
}
