package io.statim.protocol.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.protocol.SchedulingParameters;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.ResponseListener;
import io.statim.scheduler.ModelManager;
import io.statim.protocol.lora.AdapterSelection;
import io.statim.protocol.session.SessionBinding;
import io.statim.runtime.AdapterBinding;
import io.statim.protocol.session.SessionIntent;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.ServedModel;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Starts one gRPC inference, for ModelInfer and ModelStreamInfer alike: resolves the model, decodes and
 * validates the message, reads priority and timeout the way every protocol does ({@link SchedulingParameters};
 * the call's deadline lowers the timeout), and submits the request to the model's scheduler.
 *
 * <p>Runs on the thread that received the message (a gRPC transport thread) and never blocks. Thread-safe
 * and stateless apart from its collaborators.
 */
final class GrpcInference {
    /** The listener of one gRPC inference. */
    interface Listener extends ResponseListener {
        /**
         * The request is about to be submitted: register {@code cancel} (which cancels it through its
         * scheduler, from any thread) now, since from then on the scheduler may complete it on any thread.
         */
        void submitting(Runnable cancel);

        /** The request's session (or none), bound before it is submitted: the response tells what it opened or closed. */
        void bound(SessionBinding binding);
    }

    private final ModelManager models;
    private final GrpcRequestDecoder decoder;

    GrpcInference(ModelManager models, GrpcRequestDecoder decoder) {
        this.models = models;
        this.decoder = decoder;
    }

    /**
     * Decodes {@code message} and submits it.
     *
     * <p>Ownership: once {@code listeners} has made the listener, the listener owns the decoded request
     * and releases it when the scheduler calls it; the scheduler completes the request exactly once.
     *
     * @param listeners makes the request's listener from its decoded form
     * @throws StatusException when nothing was submitted (unknown model, bad input, a deadline already
     *     passed); nothing stays leased then and no listener is called
     */
    void start(ModelInferRequest message, Function<DecodedRequest, Listener> listeners) {
        long arrivalNanos = System.nanoTime();
        ServedModel served = models.resolve(message.getModelName(), GrpcRequestDecoder.version(message.getModelVersion()));
        DecodedRequest decoded = decoder.decode(message, served.config());
        InferenceRequest request;
        SessionBinding binding = null;
        AdapterBinding adapter = null;
        try {
            SchedulingParameters scheduling = scheduling(decoded);
            adapter = AdapterSelection.bind(served, AdapterSelection.name(null, decoded.parameters()));
            binding = SessionBinding.bind(served, models.sessions(), SessionIntent.of(null, decoded.parameters()));
            Listener listener = listeners.apply(decoded);
            listener.bound(binding);
            request = new InferenceRequest(decoded.id(), served.name(), served.version(), decoded.inputs(), decoded.outputNames(),
                    decoded.batchSize(), arrivalNanos, listener, scheduling.priority(), scheduling.timeoutNs(), adapter);
            adapter = null; // the request releases it from now on
            listener.submitting(canceller(binding.scheduler(), request));
        } catch (RuntimeException | Error e) {
            if (adapter != null) {
                adapter.release();
            }
            if (binding != null) {
                binding.abandon();
            }
            decoded.release();
            throw e;
        }
        binding.submit(request);
    }

    private static Runnable canceller(Scheduler scheduler, InferenceRequest request) {
        return () -> scheduler.cancel(request);
    }

    /** The request's priority and timeout, the timeout lowered to the call's deadline when it has one. */
    private static SchedulingParameters scheduling(DecodedRequest decoded) {
        SchedulingParameters parameters = SchedulingParameters.of(decoded.parameters());
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return parameters;
        }
        long remainingNs = deadline.timeRemaining(TimeUnit.NANOSECONDS);
        if (remainingNs <= 0) {
            throw new StatusException(Code.DEADLINE_EXCEEDED, "the call's deadline passed before the request was scheduled");
        }
        return parameters.withDeadline(remainingNs);
    }
}
