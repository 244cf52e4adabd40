package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.onnx.TestModels;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 requests pipelined in one write are answered in order, even when a later one is faster. */
class PipeliningTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start();
        Path dir = TestModels.writeVariableCost(fixture.repository);
        Files.writeString(dir.resolve("config.pbtxt"), Files.readString(dir.resolve("config.pbtxt"))
                + "\ninstance_group [ { count: 2 kind: KIND_CPU } ]\n");
        fixture.server.models().load(TestModels.VARIABLE_COST);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static byte[] request(String id, long repeat) {
        String json = Requests.variableCostJson(repeat).replaceFirst("\\{", "{\"id\":\"" + id + "\",");
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v2/models/variable_cost/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n";
        byte[] out = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, out, 0, head.length());
        System.arraycopy(body, 0, out, head.length(), body.length);
        return out;
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", fixture.server.httpPort())) {
            byte[] slow = request("slow", 300_000);
            byte[] fast = request("fast", 1);
            byte[] both = new byte[slow.length + fast.length];
            System.arraycopy(slow, 0, both, 0, slow.length);
            System.arraycopy(fast, 0, both, slow.length, fast.length);
            OutputStream out = socket.getOutputStream();
            out.write(both);
            out.flush();
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (countOf(seen.toString(), "\"outputs\"") < 2) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                seen.append((char) b);
            }
            String text = seen.toString();
            assertThat(text.indexOf("\"id\":\"slow\"")).isGreaterThanOrEqualTo(0).isLessThan(text.indexOf("\"id\":\"fast\""));
        }
        fixture.assertNoBuffersLeft();
    }

    private static int countOf(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }
}
