package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ServedModel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
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
 * (HTTP/1.1 with a plain close, h2c with a GOAWAY first), and so is an h2c upload that stalls for
 * the whole timeout; a connection whose request is still waiting for its model is left alone however
 * long that takes.
 */
class IdleConnectionTest {
    private static final int IDLE_SECONDS = 1;
    /** How long a client waits for the server to close: far beyond the timeout, for a loaded machine. */
    private static final int PATIENCE_MS = 20_000;
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;
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
        try (Socket socket = h2c()) {
            List<Integer> types = framesUntilClosedOrStream1Headers(new DataInputStream(socket.getInputStream()));
            assertThat(types).as("frame types the server sent").contains(SETTINGS).endsWith(GOAWAY);
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
            String response = ServerFixture.responseHead(socket.getInputStream());
            assertThat(response).as("the waiting request's answer on its own connection").startsWith("HTTP/1.1 200");
        }
    }

    private static Socket h2c() throws IOException {
        Socket socket = new Socket("127.0.0.1", fixture.server.httpPort());
        socket.setSoTimeout(PATIENCE_MS);
        OutputStream out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(frame(SETTINGS, 0, 0, new byte[0]));
        return socket;
    }

    /** A stream whose request never finishes arriving (HEADERS without END_STREAM, then nothing) is a stall, not a request in flight. */
    @Test
    void anH2cStreamWhoseBodyNeverComesDoesNotHoldTheConnectionForEver() throws Exception {
        try (Socket socket = h2c()) {
            OutputStream out = socket.getOutputStream();
            out.write(frame(HEADERS, 0x4 /* END_HEADERS, not END_STREAM */, 1, headerBlock("/v2/models/simple/infer")));
            out.flush();
            List<Integer> types = framesUntilClosedOrStream1Headers(new DataInputStream(socket.getInputStream()));
            assertThat(types).as("frame types: the stalled upload's connection is closed with a GOAWAY").endsWith(GOAWAY);
        }
    }

    @Test
    void anH2cRequestWaitingForItsModelKeepsItsConnection() throws Exception {
        ServedModel held = fixture.server.models().resolve("simple_held", InferenceRequest.LATEST);
        try (Socket socket = h2c()) {
            OutputStream out = socket.getOutputStream();
            byte[] body = Requests.simpleJson(1, false).getBytes(StandardCharsets.UTF_8);
            out.write(frame(HEADERS, 0x4, 1, headerBlock("/v2/models/simple_held/infer")));
            out.write(frame(0x0 /* DATA */, 0x1 /* END_STREAM */, 1, body));
            out.flush();
            ServerFixture.await(() -> held.scheduler().queuedRequests() == 1, "the request waits for its batch");
            Thread.sleep(IDLE_SECONDS * 3_000L);
            HttpResponse<String> filler = fixture.postJson(fixture.http1, "/v2/models/simple_held/infer", Requests.simpleJson(7, false));
            assertThat(filler.statusCode()).isEqualTo(200);
            List<Integer> types = framesUntilClosedOrStream1Headers(new DataInputStream(socket.getInputStream()));
            assertThat(types).as("the waiting stream is answered, no GOAWAY before").endsWith(HEADERS).doesNotContain(GOAWAY);
        }
    }

    /** HPACK: POST, http, the path and an authority, all literal without indexing (no Huffman). */
    private static byte[] headerBlock(String path) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x83); // :method POST
        b.write(0x86); // :scheme http
        literal(b, 4, path); // :path
        literal(b, 1, "x"); // :authority
        b.write(0x0f);
        b.write(31 - 15); // content-type (static index 31)
        byte[] json = "application/json".getBytes(StandardCharsets.US_ASCII);
        b.write(json.length);
        b.writeBytes(json);
        return b.toByteArray();
    }

    private static void literal(ByteArrayOutputStream b, int nameIndex, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        b.write(nameIndex);
        b.write(v.length);
        b.writeBytes(v);
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(payload.length >>> 16);
        b.write(payload.length >>> 8);
        b.write(payload.length);
        b.write(type);
        b.write(flags);
        b.write(stream >>> 24);
        b.write(stream >>> 16);
        b.write(stream >>> 8);
        b.write(stream);
        b.writeBytes(payload);
        return b.toByteArray();
    }

    private static List<Integer> framesUntilClosedOrStream1Headers(DataInputStream in) throws IOException {
        List<Integer> types = new ArrayList<>();
        byte[] header = new byte[9];
        while (true) {
            try {
                in.readFully(header);
            } catch (EOFException e) {
                return types;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("neither closed nor answered within " + PATIENCE_MS + " ms; frames so far " + types, e);
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            int stream = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8) | (header[8] & 0xff);
            types.add(type);
            in.skipNBytes(length);
            if (type == HEADERS && stream == 1) {
                return types;
            }
        }
    }
}
