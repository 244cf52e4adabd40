package io.statim.bench.load;

import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.ModelMetadata;
import io.statim.client.PreparedInfer;
import io.statim.client.Protocol;
import io.statim.client.StatimClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Statim's load generator, in the manner of Triton's perf_analyzer: closed-loop concurrency sweeps or
 * open-loop request rates against one model, over HTTP/1.1, h2c or gRPC, JSON or binary; measurement
 * windows until stable; HdrHistogram percentiles, throughput, errors, and the server's queue/compute
 * split from its statistics; results as JSON, a markdown table and an SVG plot. Run it with
 * {@code bench/loadgen}.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Puts load on an OIP server (Statim, Triton) and measures latency and throughput.")
public final class LoadGenerator implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "model to load")
    String model;
    @Option(names = "--model-version", defaultValue = "", description = "model version (default: latest)")
    String modelVersion;
    @Option(names = {"-u", "--url"}, defaultValue = "localhost:8000", description = "REST address HOST:PORT (default ${DEFAULT-VALUE})")
    String url;
    @Option(names = "--grpc-url", description = "gRPC address HOST:PORT (default: the REST host, port 8001)")
    String grpcUrl;
    @Option(names = {"-i", "--protocol"}, split = ",", defaultValue = "h2c", description = "http1, h2c, grpc; a list runs each (default ${DEFAULT-VALUE})")
    List<String> protocols;
    @Option(names = "--encoding", split = ",", defaultValue = "binary", description = "json, binary; a list runs each for REST (default ${DEFAULT-VALUE})")
    List<String> encodings;
    @Option(names = "--concurrency-range", description = "closed loop: start:end[:step] or a,b,c (default 1)")
    String concurrencyRange;
    @Option(names = "--request-rate-range", description = "open loop, requests/s: start:end[:step] or a,b,c")
    String requestRateRange;
    @Option(names = "--request-distribution", defaultValue = "constant", description = "open loop gaps: constant or poisson")
    String distribution;
    @Option(names = {"-b", "--batch-size"}, defaultValue = "1", description = "the variable (batch) dimension of each request")
    int batchSize;
    @Option(names = "--input-data", description = "JSON lines with a \"text\" field (for a model with one BYTES input)")
    Path inputData;
    @Option(names = "--input-kind", defaultValue = "", description = "only lines whose \"kind\" is this (e.g. short)")
    String inputKind;
    @Option(names = "--random-inputs", defaultValue = "16", description = "distinct random requests without --input-data")
    int randomInputs;
    @Option(names = "--string-length", defaultValue = "16", description = "length of random BYTES elements")
    int stringLength;
    @Option(names = "--int-input", paramLabel = "NAME=V1,V2,...",
            description = "request i fills integer input NAME with V[i mod n] (e.g. the cost of variable_cost's REPEAT); repeatable")
    List<String> intInputs = new ArrayList<>();
    @Option(names = {"-p", "--measurement-interval-ms"}, defaultValue = "5000", description = "window length")
    long windowMillis;
    @Option(names = "--stability-percentage", defaultValue = "10", description = "throughput and p50 within ±this %% of the average")
    double stabilityPercent;
    @Option(names = "--stable-windows", defaultValue = "3", description = "consecutive windows that must agree")
    int stableWindows;
    @Option(names = "--max-windows", defaultValue = "10", description = "windows at most per level")
    int maxWindows;
    @Option(names = "--warmup-ms", defaultValue = "5000", description = "unmeasured load before the first level of each wire (JIT warm-up)")
    long warmupMillis;
    @Option(names = "--max-outstanding", defaultValue = "4096", description = "open loop: requests in flight at most")
    int maxOutstanding;
    @Option(names = "--request-timeout-ms", defaultValue = "30000", description = "per-request timeout")
    long timeoutMillis;
    @Option(names = "--io-threads", defaultValue = "1", description = "client I/O threads")
    int ioThreads;
    @Option(names = {"-o", "--output-dir"}, description = "where results go (default bench/results/tmp/loadgen-<time>)")
    Path outputDir;
    @Option(names = "--name", description = "file name stem of the results (default: the model)")
    String name;
    @Option(names = "--progress", defaultValue = "auto", description = "auto, bar or lines")
    String progressMode;

    /** Runs the generator with command-line arguments; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        boolean openLoop = requestRateRange != null;
        if (openLoop && concurrencyRange != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give --concurrency-range or --request-rate-range, not both");
        }
        List<Double> levels = Levels.parse(openLoop ? requestRateRange : concurrencyRange == null ? "1" : concurrencyRange);
        Measurement.Settings settings = new Measurement.Settings(Duration.ofMillis(windowMillis), maxWindows,
                new Stability(stableWindows, stabilityPercent / 100), Duration.ofMillis(warmupMillis), Duration.ofSeconds(10));
        Progress progress = new Progress(System.err, switch (progressMode) {
            case "bar" -> true;
            case "lines" -> false;
            default -> "1".equals(System.getenv("LOADGEN_STDERR_TTY")) || Progress.stderrLooksLikeTerminal();
        });
        List<LevelResult> results = new ArrayList<>();
        String inputs = "";
        for (Wire wire : wires()) {
            try (StatimClient control = wire.client(1, 1, Encoding.JSON, Duration.ofMillis(timeoutMillis));
                    StatimClient client = wire.client(ioThreads, openLoop ? 1024 : (int) Math.ceil(levels.getLast()),
                            wire.encoding(), Duration.ofMillis(timeoutMillis))) {
                ModelMetadata metadata = control.modelMetadata(model, modelVersion);
                List<InferRequest> requests = requests(metadata);
                inputs = inputData != null ? inputData.getFileName() + (inputKind.isEmpty() ? "" : " kind=" + inputKind) + ", "
                        + requests.size() + " requests" : "random, " + requests.size() + " requests";
                PreparedInfer[] prepared = requests.stream().map(client::prepare).toArray(PreparedInfer[]::new);
                Measurement measurement = new Measurement(settings, control, model, progress);
                boolean first = true;
                for (double level : levels) {
                    WindowRecorder recorder = new WindowRecorder();
                    LoadDriver driver = openLoop
                            ? new OpenLoop(client, prepared, recorder, level, distribution.equals("poisson"), maxOutstanding)
                            : new ClosedLoop(client, prepared, recorder, (int) level);
                    Measurement.Point point = new Measurement.Point(wire.protocolName(), wire.encodingName(),
                            openLoop ? "rate" : "concurrency", level);
                    results.add(measurement.run(driver, recorder, point, first));
                    first = false;
                }
            }
        }
        RunInfo run = new RunInfo(started.toString(), System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors()
                + " cores", url + (protocols.contains("grpc") ? ", grpc " + grpcAddress() : ""),
                model + (modelVersion.isEmpty() ? "" : " v" + modelVersion), inputs, batchSize, windowMillis,
                String.format(Locale.ROOT, "%d windows within ±%.0f%% (max %d)", stableWindows, stabilityPercent, maxWindows));
        write(run, results, started);
        return 0;
    }

    private List<InferRequest> requests(ModelMetadata metadata) throws IOException {
        List<InferRequest> requests = inputData != null
                ? TextInputs.requests(metadata, TextInputs.read(inputData, inputKind), batchSize)
                : RandomInputs.requests(metadata, batchSize, randomInputs, stringLength, 42);
        for (String spec : intInputs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--int-input '" + spec + "' must be NAME=V1,V2,...");
            }
            long[] values = java.util.Arrays.stream(spec.substring(eq + 1).split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
            requests = RandomInputs.withIntInput(requests, spec.substring(0, eq), values);
        }
        if (modelVersion.isEmpty()) {
            return requests;
        }
        List<InferRequest> versioned = new ArrayList<>(requests.size());
        for (InferRequest r : requests) {
            InferRequest.Builder b = InferRequest.builder(r.model()).version(modelVersion);
            r.inputs().forEach(b::input);
            versioned.add(b.build());
        }
        return versioned;
    }

    private void write(RunInfo run, List<LevelResult> results, Instant started) throws IOException {
        Path dir = outputDir != null ? outputDir
                : Path.of("bench", "results", "tmp", "loadgen-" + started.toString().replace(":", "").replace("-", ""));
        Files.createDirectories(dir);
        String stem = name != null ? name : model;
        JsonReport.write(dir.resolve(stem + ".json"), run, results);
        Files.writeString(dir.resolve(stem + ".md"), MarkdownReport.render(run, results), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".svg"), SvgPlot.render(run.model() + ": latency vs throughput", results),
                StandardCharsets.UTF_8);
        System.out.print(MarkdownReport.render(run, results));
        System.err.println("results: " + dir.toAbsolutePath().resolve(stem) + ".{json,md,svg}");
    }

    private String grpcAddress() {
        return grpcUrl != null ? grpcUrl : Wire.host(url) + ":8001";
    }

    /** Every protocol × encoding asked for (gRPC once, whatever the encodings). */
    private List<Wire> wires() {
        List<Wire> out = new ArrayList<>();
        for (String p : protocols) {
            Protocol protocol = switch (p.toLowerCase(Locale.ROOT)) {
                case "http1", "http" -> Protocol.HTTP1;
                case "h2c", "http2" -> Protocol.H2C;
                case "grpc" -> Protocol.GRPC;
                default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown protocol '" + p + "'");
            };
            if (protocol == Protocol.GRPC) {
                out.add(new Wire(protocol, grpcAddress(), Encoding.BINARY));
                continue;
            }
            for (String e : encodings) {
                out.add(new Wire(protocol, url, Encoding.valueOf(e.toUpperCase(Locale.ROOT))));
            }
        }
        return out;
    }
}
