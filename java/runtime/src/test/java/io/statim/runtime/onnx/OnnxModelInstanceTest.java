package io.statim.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.TestRequests;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelInstanceTest {
    @TempDir
    Path repo;
    private final HostDevice device = LeakCheck.trackingHostDevice();
    private final TestRequests requests = new TestRequests(device);
    private final OnnxRuntimeBackend backend = new OnnxRuntimeBackend();

    @AfterEach
    void noLeaks() {
        requests.release();
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    private ModelInstance load(String name) {
        ModelSource source = new ModelRepository(repo).load(name);
        return backend.load(source, 1, new InstanceSpec(name + "_0", 0, 1), device);
    }

    private static int intAt(Tensor t, long i) {
        return t.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
    }

    @Test
    void runsSimpleOnASingleRequest() throws Exception {
        TestModels.writeSimple(repo);
        try (ModelInstance simple = load("simple")) {
            InferenceRequest r = TestRequests.request("simple",
                    List.of(requests.int32("INPUT0", 0, 1, 16), requests.int32("INPUT1", 100, 1, 16)), 1, new TestRequests.Outcome());
            List<InferenceResponse> out = simple.execute(List.of(r));
            Tensor sum = out.get(0).output("OUTPUT0");
            Tensor diff = out.get(0).output("OUTPUT1");
            assertThat(sum.shape()).isEqualTo(Shape.of(1, 16));
            assertThat(intAt(sum, 3)).isEqualTo(3 + 103);
            assertThat(intAt(diff, 3)).isEqualTo(3 - 103);
            out.get(0).release();
        }
    }

    @Test
    void concatenatesABatchAndGivesEachRequestItsOwnRows() throws Exception {
        TestModels.writeSimple(repo);
        try (ModelInstance simple = load("simple")) {
            InferenceRequest a = TestRequests.request("simple",
                    List.of(requests.int32("INPUT0", 0, 2, 16), requests.int32("INPUT1", 0, 2, 16)), 2, new TestRequests.Outcome());
            InferenceRequest b = TestRequests.request("simple",
                    List.of(requests.int32("INPUT0", 1000, 1, 16), requests.int32("INPUT1", 1, 1, 16)), 1, new TestRequests.Outcome());
            List<InferenceResponse> out = simple.execute(List.of(a, b));
            assertThat(out.get(0).output("OUTPUT0").shape()).isEqualTo(Shape.of(2, 16));
            assertThat(intAt(out.get(0).output("OUTPUT0"), 31)).isEqualTo(62);
            assertThat(out.get(1).output("OUTPUT0").shape()).isEqualTo(Shape.of(1, 16));
            assertThat(intAt(out.get(1).output("OUTPUT0"), 0)).isEqualTo(1001);
            assertThat(intAt(out.get(1).output("OUTPUT1"), 15)).isEqualTo(1015 - 16);
            out.get(0).release();
            assertThat(device.liveBuffers()).isPositive();
            out.get(1).release();
        }
    }

    @Test
    void returnsOnlyTheRequestedOutputsInTheirOrder() throws Exception {
        TestModels.writeSimple(repo);
        try (ModelInstance simple = load("simple")) {
            InferenceRequest r = new InferenceRequest("", "simple", 1,
                    List.of(requests.int32("INPUT0", 0, 1, 16), requests.int32("INPUT1", 0, 1, 16)), List.of("OUTPUT1"), 1,
                    System.nanoTime(), new TestRequests.Outcome());
            InferenceResponse out = simple.execute(List.of(r)).get(0);
            assertThat(out.outputs()).extracting(Tensor::name).containsExactly("OUTPUT1");
            out.release();
        }
    }

    @Test
    void roundTripsStringsThroughAnIdentityModel() throws Exception {
        TestModels.writeIdentity(repo, DataType.BYTES);
        try (ModelInstance identity = load(TestModels.identityName(DataType.BYTES))) {
            InferenceRequest r = TestRequests.request("x", List.of(requests.strings("INPUT0", List.of("a", "", "héllo"), 1, 3)), 1,
                    new TestRequests.Outcome());
            InferenceResponse out = identity.execute(List.of(r)).get(0);
            assertThat(out.output("OUTPUT0").strings()).containsExactly("a", "", "héllo");
            out.release();
        }
    }

    @Test
    void refusesAConfigThatDoesNotDescribeTheGraph() throws Exception {
        Path dir = TestModels.writeSimple(repo);
        Files.writeString(dir.resolve("config.pbtxt"), Files.readString(dir.resolve("config.pbtxt")).replace("TYPE_INT32", "TYPE_FP32"));
        assertThatThrownBy(() -> load("simple")).isInstanceOf(StatusException.class)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("TYPE_FP32 in config.pbtxt");
    }

    @Test
    void refusesUnsignedTypesThatTheJavaBindingCannotCarry() throws Exception {
        TestModels.writeIdentity(repo, DataType.UINT32);
        assertThatThrownBy(() -> load(TestModels.identityName(DataType.UINT32)))
                .hasMessageContaining("ONNX Runtime's Java binding cannot carry");
    }
}
