package io.statim.protocol.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.statim.core.status.Status;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.protocol.session.SessionBinding;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.runtime.InferenceResponse;

/**
 * One ModelInfer call in flight: holds the decoded request until the scheduler answers, then encodes
 * the response, releases the response and the request's memory, and answers the call. A call the
 * client cancels (or whose deadline passes) cancels the request.
 *
 * <p>Threads: {@link #submitting} runs on the gRPC thread that received the call; the outcome arrives
 * on whichever thread completed the request (a model instance's worker, or the gRPC thread when the
 * request is refused at once or cancelled). The request completes once, so the call is answered once.
 */
final class UnaryInference implements GrpcInference.Listener {
    private final ServerCallStreamObserver<ModelInferResponse> call;
    private final DecodedRequest decoded;
    private SessionBinding session;

    UnaryInference(ServerCallStreamObserver<ModelInferResponse> call, DecodedRequest decoded) {
        this.call = call;
        this.decoded = decoded;
    }

    @Override
    public void bound(SessionBinding binding) {
        this.session = binding;
    }

    @Override
    public void submitting(Runnable cancel) {
        call.setOnCancelHandler(cancel);
    }

    @Override
    public void onResponse(InferenceResponse response) {
        ModelInferResponse message;
        try {
            message = GrpcResponseEncoder.encode(response, decoded.outputNames(), session);
        } catch (RuntimeException e) {
            release(response);
            GrpcCalls.fail(call, GrpcStatus.of(e, "ModelInfer"));
            return;
        }
        release(response);
        GrpcCalls.answer(call, message);
    }

    @Override
    public void onError(Status status) {
        decoded.release();
        GrpcCalls.fail(call, status);
    }

    private void release(InferenceResponse response) {
        response.release();
        decoded.release();
    }
}
