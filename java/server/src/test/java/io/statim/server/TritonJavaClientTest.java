package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import triton.client.InferInput;
import triton.client.InferRequestedOutput;
import triton.client.InferResult;
import triton.client.InferenceServerClient;
import triton.client.pojo.DataType;

/**
 * Triton's own Java HTTP client (contributed to Triton by Alibaba PAI, from Maven Central), not
 * written here, runs its simple example against Statim: JSON and the binary tensor extension.
 */
class TritonJavaClientTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static int[] sequence() {
        int[] data = new int[16];
        for (int i = 0; i < 16; i++) {
            data[i] = i;
        }
        return data;
    }

    @SuppressWarnings("try") // the third-party client's close() declares InterruptedException
    private static void inferSimple(boolean binary) throws Exception {
        try (InferenceServerClient client = new InferenceServerClient("127.0.0.1:" + fixture.server.httpPort(), 5000, 5000)) {
            InferInput input0 = new InferInput("INPUT0", new long[] {1, 16}, DataType.INT32);
            input0.setData(sequence(), binary);
            InferInput input1 = new InferInput("INPUT1", new long[] {1, 16}, DataType.INT32);
            int[] ones = new int[16];
            java.util.Arrays.fill(ones, 1);
            input1.setData(ones, binary);
            InferResult result = client.infer("simple", List.of(input0, input1),
                    List.of(new InferRequestedOutput("OUTPUT0", binary), new InferRequestedOutput("OUTPUT1", binary)));
            int[] sum = result.getOutputAsInt("OUTPUT0");
            int[] difference = result.getOutputAsInt("OUTPUT1");
            for (int i = 0; i < 16; i++) {
                assertThat(sum[i]).isEqualTo(i + 1);
                assertThat(difference[i]).isEqualTo(i - 1);
            }
        }
    }

    @Test
    void runsTritonsSimpleExampleOverJson() throws Exception {
        inferSimple(false);
    }

    @Test
    void runsTritonsSimpleExampleOverTheBinaryExtension() throws Exception {
        inferSimple(true);
    }
}
