package io.statim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.status.Status;
import io.statim.runtime.lora.LoraFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request releases its adapter binding exactly once, when it becomes done, before its listener runs. */
class InferenceRequestTest {
    private final LoraFixtures.FixedSlot binding = new LoraFixtures.FixedSlot("a", 3);
    private final TestRequests.Outcome outcome = new TestRequests.Outcome();
    private final InferenceRequest request = new InferenceRequest("id", "m", 1, List.of(), List.of(), 1, 0, outcome,
            InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, binding);

    private static InferenceResponse response() {
        return new InferenceResponse("m", 1, "id", List.of(), List.of());
    }

    @Test
    void exposesItsAdapterAndItsSlot() {
        assertThat(request.adapter()).isSameAs(binding);
        assertThat(request.adapterSlot()).isEqualTo(3);
        assertThat(new InferenceRequest("id", "m", 1, List.of(), List.of(), 1, 0, outcome).adapterSlot())
                .isEqualTo(AdapterBinding.NO_SLOT);
    }

    @Test
    void releasesTheAdapterOnceWhenCompleted() {
        assertThat(request.start()).isTrue();
        assertThat(binding.releases).hasValue(0);
        request.complete(response());
        request.complete(response());
        request.fail(Status.internal("late"));

        assertThat(binding.releases).hasValue(1);
        assertThat(outcome.calls).hasValue(1);
    }

    @Test
    void releasesTheAdapterOnceWhenFailed() {
        request.fail(Status.unavailable("full"));
        request.cancel();

        assertThat(binding.releases).hasValue(1);
    }

    @Test
    void releasesTheAdapterOnceWhenCancelledBeforeItRuns() {
        assertThat(request.cancel()).isTrue();
        assertThat(request.start()).isFalse();
        request.fail(Status.internal("late"));

        assertThat(binding.releases).hasValue(1);
    }

    @Test
    void keepsTheAdapterWhileARunningRequestIsCancelled() {
        request.start();
        assertThat(request.cancel()).isFalse();
        assertThat(binding.releases).hasValue(0);
        request.complete(response());

        assertThat(binding.releases).hasValue(1);
    }

    @Test
    void theAdapterIsReleasedBeforeTheListenerRuns() {
        int[] releasesSeenByListener = {-1};
        InferenceRequest r = new InferenceRequest("id", "m", 1, List.of(), List.of(), 1, 0, new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                releasesSeenByListener[0] = binding.releases.get();
            }

            @Override
            public void onError(Status status) {
            }
        }, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, binding);
        r.start();
        r.complete(response());

        assertThat(releasesSeenByListener[0]).isEqualTo(1);
    }
}
