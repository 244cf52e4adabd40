package io.statim.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClientInferenceTest {
    private static LiveServer server;

    @BeforeAll
    static void start() {
        server = LiveServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.statim.client.LiveServer#wires")
    void infersSimpleAndReadsBothOutputs(Protocol protocol, Encoding encoding) {
        try (StatimClient client = server.client(protocol, encoding)) {
            InferResult result = client.infer(LiveServer.simpleRequest(10));

            assertThat(result.modelName()).isEqualTo("simple");
            assertThat(result.output("OUTPUT0").asInts()).containsExactly(LiveServer.simpleSum(10));
            assertThat(result.output("OUTPUT1").asInts()).containsOnly(9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24);
            assertThat(result.output("OUTPUT0").shape()).containsExactly(1, 16);
            assertThat(result.output("OUTPUT0").datatype()).isEqualTo(Datatype.INT32);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.statim.client.LiveServer#wires")
    void returnsOnlyTheOutputsAskedForWithTheRequestId(Protocol protocol, Encoding encoding) {
        try (StatimClient client = server.client(protocol, encoding)) {
            InferRequest request = InferRequest.builder("simple").id("req-7")
                    .inputInts("INPUT0", new long[] {1, 16}, new int[16]).inputInts("INPUT1", new long[] {1, 16}, new int[16])
                    .output("OUTPUT1").build();

            InferResult result = client.infer(request);

            assertThat(result.id()).isEqualTo("req-7");
            assertThat(result.outputs()).extracting(InferTensor::name).containsExactly("OUTPUT1");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.statim.client.LiveServer#wires")
    void sendsOnePreparedRequestManyTimesOverReusedConnections(Protocol protocol, Encoding encoding) {
        try (StatimClient client = server.client(protocol, encoding)) {
            PreparedInfer prepared = client.prepare(LiveServer.simpleRequest(3));

            for (int i = 0; i < 20; i++) {
                assertThat(client.infer(prepared).output("OUTPUT0").asInts()).containsExactly(LiveServer.simpleSum(3));
            }
            assertThat(client.openConnections()).isEqualTo(1);
        }
    }
}
