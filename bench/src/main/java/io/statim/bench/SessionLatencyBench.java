package io.statim.bench;

import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.InferTensor;
import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import io.statim.model.onnx.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Issue 5's figures against a running server: the latency of a follow-up request in a session whose
 * large document is cached on the server, against the same request resending the document each time,
 * over h2c + binary and gRPC, one request at a time (p50/p99 of REQUESTS resends after 3 warm-up ones, and of 500
 * follow-ups after 2000 warm-up ones), with a tiny stateless request on the same wire as the floor; and how many sessions
 * per second are opened and closed through SageMaker's /invocations (NEW_SESSION then CLOSE).
 *
 * <p>Usage: {@code SessionLatencyBench write-repo DIR} writes the {@code session_document} and
 * {@code accumulator} models; {@code SessionLatencyBench HOST HTTP_PORT GRPC_PORT ROWS REQUESTS SECONDS}
 * measures, with a document of ROWS x 256 FP32 (65536 rows = 64 MiB), and prints one JSON object.
 */
public final class SessionLatencyBench {
    private static final int WIDTH = TestModels.SESSION_DOCUMENT_WIDTH;
    private static final int QUERY_ROWS = 8;
    /** Warm-up requests before the resend requests are timed (each moves the whole document). */
    private static final int WARMUP = 3;
    /** Small requests (follow-ups in a session, tiny stateless ones): warmed up until the JIT has compiled the path. */
    private static final int SMALL_REQUESTS = 500;
    private static final int SMALL_WARMUP = 2000;

    private SessionLatencyBench() {
    }

    /** Runs the measurement, or writes the repository. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("write-repo")) {
            TestModels.writeSessionDocument(Path.of(args[1]));
            TestModels.writeAccumulator(Path.of(args[1]));
            return;
        }
        String host = args[0];
        int httpPort = Integer.parseInt(args[1]);
        int grpcPort = Integer.parseInt(args[2]);
        int rows = Integer.parseInt(args[3]);
        int requests = Integer.parseInt(args[4]);
        int seconds = Integer.parseInt(args[5]);
        InferTensor document = document(rows);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("document_bytes", (long) rows * WIDTH * 4);
        out.put("resend_requests", requests);
        out.put("small_requests", SMALL_REQUESTS);
        out.put("small_warmup", SMALL_WARMUP);
        List<Map<String, Object>> wires = new ArrayList<>();
        for (String wire : List.of("h2c+binary", "grpc")) {
            StatimClient.Builder builder = StatimClient.builder().requestTimeout(Duration.ofMinutes(2)).maxResponseBytes(16 << 20);
            builder = wire.equals("grpc") ? builder.grpc(host, grpcPort) : builder.h2c(host, httpPort).encoding(Encoding.BINARY);
            try (StatimClient client = builder.build()) {
                wires.add(compare(client, wire, document, rows, requests));
            }
        }
        out.put("wires", wires);
        out.put("sagemaker_open_close", openClose(host, httpPort, seconds));
        System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** Resend and session modes on one wire, same document, same queries. */
    private static Map<String, Object> compare(StatimClient client, String wire, InferTensor document, int rows, int requests) {
        Random random = new Random(7);
        InferTensor query = InferTensor.ofFloats("QUERY", new long[] {WIDTH}, ones());
        // The floor on this wire: a tiny stateless request (accumulator, 16 bytes in, 36 bytes out).
        PreparedInfer tiny = client.prepare(InferRequest.builder(TestModels.ACCUMULATOR)
                .input(InferTensor.ofFloats("INPUT", new long[] {1, TestModels.ACCUMULATOR_WIDTH}, 1, 2, 3, 4)).build());
        long[] tinyNs = time(client, tiny, SMALL_REQUESTS, SMALL_WARMUP);
        // Resend: every request carries the document, no session.
        PreparedInfer resend = client.prepare(InferRequest.builder(TestModels.SESSION_DOCUMENT).input(document)
                .input(rowsTensor(random, rows)).input(query).output("SCORES").build());
        long[] resendNs = time(client, resend, requests, WARMUP);
        // Session: the document goes once, with the request that opens the session.
        String id = "bench-" + wire.replace('+', '-') + "-" + System.nanoTime();
        client.infer(InferRequest.builder(TestModels.SESSION_DOCUMENT).input(document).input(rowsTensor(random, rows)).input(query)
                .output("SCORES").parameter("sequence_id", id).parameter("sequence_start", true).build());
        PreparedInfer followUp = client.prepare(InferRequest.builder(TestModels.SESSION_DOCUMENT).input(rowsTensor(random, rows))
                .input(query).output("SCORES").parameter("sequence_id", id).build());
        long[] sessionNs = time(client, followUp, SMALL_REQUESTS, SMALL_WARMUP);
        client.infer(InferRequest.builder(TestModels.SESSION_DOCUMENT).input(rowsTensor(random, rows)).input(query).output("SCORES")
                .parameter("sequence_id", id).parameter("sequence_end", true).build());
        long[] tinyAfterNs = time(client, tiny, SMALL_REQUESTS, SMALL_WARMUP);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("wire", wire);
        row.put("tiny_stateless_p50_us", percentile(tinyNs, 50) / 1000.0);
        row.put("tiny_stateless_p99_us", percentile(tinyNs, 99) / 1000.0);
        row.put("tiny_stateless_after_p50_us", percentile(tinyAfterNs, 50) / 1000.0);
        row.put("resend_p50_us", percentile(resendNs, 50) / 1000.0);
        row.put("resend_p99_us", percentile(resendNs, 99) / 1000.0);
        row.put("session_p50_us", percentile(sessionNs, 50) / 1000.0);
        row.put("session_p99_us", percentile(sessionNs, 99) / 1000.0);
        row.put("p50_ratio", (double) percentile(resendNs, 50) / percentile(sessionNs, 50));
        row.put("p99_ratio", (double) percentile(resendNs, 99) / percentile(sessionNs, 99));
        return row;
    }

    private static long[] time(StatimClient client, PreparedInfer request, int requests, int warmup) {
        long[] ns = new long[requests];
        for (int i = -warmup; i < requests; i++) {
            long start = System.nanoTime();
            InferResult result = client.infer(request);
            long elapsed = System.nanoTime() - start;
            if (result.outputs().isEmpty()) {
                throw new IllegalStateException("no output");
            }
            if (i >= 0) {
                ns[i] = elapsed;
            }
        }
        return ns;
    }

    /**
     * SageMaker's session control requests back to back for SECONDS (NEW_SESSION then CLOSE: one
     * session, two requests), and as the floor of the same client and connection, {@code GET /ping}
     * back to back for as long: sessions per second against plain requests per second.
     */
    private static Map<String, Object> openClose(String host, int port, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI invocations = URI.create("http://" + host + ":" + port + "/invocations");
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/ping")).GET().build();
        double sessions = perSecond(seconds, () -> {
            HttpResponse<String> opened = http.send(control(invocations, "NEW_SESSION", "NEW_SESSION"), HttpResponse.BodyHandlers.ofString());
            String header = opened.headers().firstValue("X-Amzn-SageMaker-New-Session-Id").orElseThrow(
                    () -> new IllegalStateException("open failed: " + opened.statusCode()));
            HttpResponse<String> closed = http.send(control(invocations, header.substring(0, header.indexOf(';')), "CLOSE"),
                    HttpResponse.BodyHandlers.ofString());
            if (closed.statusCode() != 200) {
                throw new IllegalStateException("close failed: " + closed.statusCode());
            }
        });
        double pings = perSecond(seconds, () -> {
            if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                throw new IllegalStateException("ping failed");
            }
        });
        return Map.of("sessions_per_second", sessions, "ping_per_second", pings,
                "client", "java.net.http HTTP/1.1, one connection, sequential");
    }

    /** Something that talks to the server once. */
    private interface Call {
        void run() throws Exception;
    }

    /** How many times per second {@code call} runs back to back, over SECONDS after 2 s of warm-up. */
    private static double perSecond(int seconds, Call call) throws Exception {
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < warmEnd) {
            call.run();
        }
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long count = 0;
        while (System.nanoTime() < end) {
            call.run();
            count++;
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static HttpRequest control(URI uri, String sessionHeader, String type) {
        return HttpRequest.newBuilder(uri).header("X-Amzn-SageMaker-Session-Id", sessionHeader)
                .header("X-Amzn-SageMaker-Target-Model", TestModels.ACCUMULATOR).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"requestType\":\"" + type + "\"}")).build();
    }

    private static InferTensor document(int rows) {
        float[] values = new float[rows * WIDTH];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        return InferTensor.ofFloats("DOCUMENT", new long[] {rows, WIDTH}, values);
    }

    private static InferTensor rowsTensor(Random random, int rows) {
        long[] picked = new long[QUERY_ROWS];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = random.nextInt(rows);
        }
        return InferTensor.ofLongs("ROWS", new long[] {QUERY_ROWS}, picked);
    }

    private static float[] ones() {
        float[] q = new float[WIDTH];
        Arrays.fill(q, 1f);
        return q;
    }

    private static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
