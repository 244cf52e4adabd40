package io.statim.scheduler.batch;

import io.statim.core.status.Status;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Triton's {@code preserve_ordering}: hands outcomes to callers in the order their batches were
 * dispatched, even when a later batch finishes first on another instance. Batches are numbered by the
 * batcher thread; workers report completion here (any thread, serialized by a lock). Only a batch
 * that finishes out of order is copied and held.
 */
final class ResponseSequencer {
    /** Delivers the outcome of one request. */
    interface Delivery {
        void deliver(InferenceRequest request, InferenceResponse response, Status failure);
    }

    private record Finished(List<InferenceRequest> requests, List<InferenceResponse> responses, Status failure) {
    }

    private final Delivery delivery;
    private final Map<Long, Finished> waiting = new HashMap<>();
    private long next;

    ResponseSequencer(Delivery delivery) {
        this.delivery = delivery;
    }

    /**
     * Batch {@code sequence} finished with {@code responses} (or {@code failure}); delivers it and
     * every held batch that now follows in order. The lists may be reused by the caller afterwards.
     */
    synchronized void finished(long sequence, List<InferenceRequest> requests, List<InferenceResponse> responses, Status failure) {
        if (sequence != next) {
            waiting.put(sequence, new Finished(new ArrayList<>(requests), responses == null ? null : new ArrayList<>(responses), failure));
            return;
        }
        try {
            deliverAll(requests, responses, failure);
        } finally {
            next++;
        }
        Finished held;
        while ((held = waiting.remove(next)) != null) {
            try {
                deliverAll(held.requests(), held.responses(), held.failure());
            } finally {
                next++;
            }
        }
    }

    private void deliverAll(List<InferenceRequest> requests, List<InferenceResponse> responses, Status failure) {
        for (int i = 0; i < requests.size(); i++) {
            delivery.deliver(requests.get(i), responses == null ? null : responses.get(i), failure);
        }
    }
}
