package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ServedModel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections with no traffic and no request in flight are closed after {@code --idle-timeout-seconds}
 * (HTTP/1.1 with a plain close, h2c with a GOAWAY first); a connection whose request is still waiting
 * for its model is left alone however long that takes.
 */
class IdleConnectionTest {
    private static final int IDLE_SECONDS = 1;
    /** How long a client waits for the server to close: far beyond the timeout, for a loaded machine. */
    private static final int PATIENCE_MS = 20_000;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start(c -> c.withIdleTimeout(IDLE_SECONDS), repo -> ServerFixture.copyModel(repo, TestModels.SIMPLE,
                "simple_held", config -> config + "\ndynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }\n"));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", fixture.server.httpPort());
        socket.setSoTimeout(PATIENCE_MS);
        return socket;
    }

    @Test
    void anHttp1ConnectionThatSendsNothingIsClosed() throws Exception {
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("end of stream: the server closed it").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).as("not before the idle timeout").isGreaterThanOrEqualTo(IDLE_SECONDS * 900L);
        }
    }

    @Test
    void anIdleH2cConnectionGetsAGoawayAndIsClosed() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            List<Integer> types = frameTypesUntilClosed(socket.getInputStream());
            assertThat(types).as("frame types the server sent").contains(0x4 /* SETTINGS */).endsWith(0x7 /* GOAWAY */);
        }
    }

    @Test
    void aConnectionWhoseRequestWaitsForItsModelIsNotClosed() throws Exception {
        ServedModel held = fixture.server.models().resolve("simple_held", InferenceRequest.LATEST);
        try (Socket socket = connect()) {
            byte[] body = Requests.simpleJson(1, false).getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/simple_held/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            ServerFixture.await(() -> held.scheduler().queuedRequests() == 1, "the request waits for its batch to fill");
            // Several idle timeouts pass with nothing sent either way while the request waits.
            Thread.sleep(IDLE_SECONDS * 3_000L);
            HttpResponse<String> filler = fixture.postJson(fixture.http1, "/v2/models/simple_held/infer", Requests.simpleJson(7, false));
            assertThat(filler.statusCode()).as("the request that fills the batch").isEqualTo(200);
            String response = readHttpResponseHead(socket.getInputStream());
            assertThat(response).as("the waiting request's answer on its own connection").startsWith("HTTP/1.1 200");
        }
    }

    /** Reads HTTP/2 frames until the server closes the connection; returns their types in order. */
    private static List<Integer> frameTypesUntilClosed(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        List<Integer> types = new ArrayList<>();
        byte[] header = new byte[9];
        while (true) {
            try {
                data.readFully(header);
            } catch (EOFException e) {
                return types;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("not closed within " + PATIENCE_MS + " ms; frames so far " + types, e);
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            types.add(header[3] & 0xff);
            data.skipNBytes(length);
        }
    }

    private static String readHttpResponseHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
