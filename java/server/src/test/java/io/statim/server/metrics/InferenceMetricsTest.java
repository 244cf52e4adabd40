package io.statim.server.metrics;

import static io.statim.server.metrics.ScrapedText.model;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.model.config.VersionPolicy;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.FailureReason;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.ServedModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceMetricsTest {
    private static final String M = model("m", "2");
    private static final String IDLE = model("idle", "1");

    /** Renders the collector's families as a scrape would. */
    static ScrapedText scrape(MultiCollector collector) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.builder().build().write(out, collector.collect());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return ScrapedText.of(out.toString(StandardCharsets.UTF_8));
    }

    /** Model m v2 (max_batch_size 8, 5 queued) with known traffic; model idle v1 (does not batch) with none. */
    private static ScrapedText scrapeOfKnownTraffic() {
        ModelStatistics stats = new ModelStatistics(8);
        stats.recordQueue(2_000);
        stats.recordQueue(3_000);
        stats.recordQueue(5_000);
        stats.recordExecution(3, 2, 1_000, 4_000, 500);
        stats.recordExecution(1, 1, 1_000, 2_000, 1_000);
        stats.recordExecution(8, 1, 0, 10_000, 0);
        stats.recordSuccess(150_000);
        stats.recordSuccess(3_000_000);
        stats.recordSuccess(20_000_000_000L);
        stats.recordFailure(FailureReason.REJECTED, 10_000);
        stats.recordFailure(FailureReason.REJECTED, 10_000);
        stats.recordFailure(FailureReason.BACKEND, 5_000);
        List<ServedModel> served = List.of(
                new ServedModel(config("m", 8), 2, new QueuedScheduler(5), stats),
                new ServedModel(config("idle", 0), 1, new QueuedScheduler(0), new ModelStatistics(0)));
        return scrape(new InferenceMetrics(() -> served));
    }

    @Test
    void countsRequestOutcomesByReason() {
        ScrapedText text = scrapeOfKnownTraffic();

        assertThat(text.value("statim_inference_request_success_total" + M)).isEqualTo(3);
        assertThat(text.value("statim_inference_request_failure_total{model=\"m\",reason=\"REJECTED\",version=\"2\"}")).isEqualTo(2);
        assertThat(text.value("statim_inference_request_failure_total{model=\"m\",reason=\"BACKEND\",version=\"2\"}")).isEqualTo(1);
        assertThat(text.value("statim_inference_request_failure_total{model=\"m\",reason=\"CANCELED\",version=\"2\"}")).isZero();
        assertThat(text.value("statim_inference_request_failure_total{model=\"m\",reason=\"OTHER\",version=\"2\"}")).isZero();
        assertThat(text.value("statim_inference_request_success_total" + IDLE)).isZero();
    }

    @Test
    void countsInferencesByRowAndExecutionsByBatch() {
        ScrapedText text = scrapeOfKnownTraffic();

        assertThat(text.value("statim_inference_count_total" + M)).isEqualTo(12);
        assertThat(text.value("statim_inference_exec_count_total" + M)).isEqualTo(3);
        assertThat(text.value("statim_inference_pending_request_count" + M)).isEqualTo(5);
        assertThat(text.value("statim_inference_pending_request_count" + IDLE)).isZero();
    }

    @Test
    void reportsCumulativeDurationsInMicroseconds() {
        ScrapedText text = scrapeOfKnownTraffic();

        assertThat(text.value("statim_inference_request_duration_us_total" + M)).isEqualTo(20_003_150);
        assertThat(text.value("statim_inference_queue_duration_us_total" + M)).isEqualTo(10);
        assertThat(text.value("statim_inference_compute_input_duration_us_total" + M)).isEqualTo(3);
        assertThat(text.value("statim_inference_compute_infer_duration_us_total" + M)).isEqualTo(20);
        assertThat(text.value("statim_inference_compute_output_duration_us_total" + M)).isEqualTo(2);
    }

    @Test
    void bucketsExecutionsByBatchSizeAtPowersOfTwo() {
        ScrapedText text = scrapeOfKnownTraffic();

        assertThat(text.value(batchBucket("m", "2", "1.0"))).isEqualTo(1);
        assertThat(text.value(batchBucket("m", "2", "2.0"))).isEqualTo(1);
        assertThat(text.value(batchBucket("m", "2", "4.0"))).isEqualTo(2);
        assertThat(text.value(batchBucket("m", "2", "8.0"))).isEqualTo(3);
        assertThat(text.value(batchBucket("m", "2", "+Inf"))).isEqualTo(3);
        assertThat(text.value("statim_inference_batch_size_count" + M)).isEqualTo(3);
        assertThat(text.value("statim_inference_batch_size_sum" + M)).isEqualTo(12);
        assertThat(text.value(batchBucket("idle", "1", "1.0"))).isZero();
        assertThat(text.hasLineStartingWith("statim_inference_batch_size_bucket{model=\"idle\",version=\"1\",le=\"2.0\"}")).isFalse();
    }

    @Test
    void histogramsSuccessfulRequestLatencyInSeconds() {
        ScrapedText text = scrapeOfKnownTraffic();

        assertThat(text.value(latencyBucket("1.0E-4"))).isZero();
        assertThat(text.value(latencyBucket("2.5E-4"))).isEqualTo(1);
        assertThat(text.value(latencyBucket("0.0025"))).isEqualTo(1);
        assertThat(text.value(latencyBucket("0.005"))).isEqualTo(2);
        assertThat(text.value(latencyBucket("10.0"))).isEqualTo(2);
        assertThat(text.value(latencyBucket("+Inf"))).isEqualTo(3);
        assertThat(text.value("statim_inference_request_latency_seconds_count" + M)).isEqualTo(3);
        assertThat(text.value("statim_inference_request_latency_seconds_sum" + M)).isEqualTo(20.00315);
    }

    @Test
    void writesHelpAndTypeForEveryFamily() {
        ScrapedText text = scrapeOfKnownTraffic();

        for (String counter : List.of("request_success", "request_failure", "count", "exec_count", "request_duration_us",
                "queue_duration_us", "compute_input_duration_us", "compute_infer_duration_us", "compute_output_duration_us")) {
            assertThat(text.hasLineStartingWith("# HELP statim_inference_" + counter + "_total ")).as(counter).isTrue();
            assertThat(text.hasLineStartingWith("# TYPE statim_inference_" + counter + "_total counter")).as(counter).isTrue();
        }
        assertThat(text.hasLineStartingWith("# TYPE statim_inference_pending_request_count gauge")).isTrue();
        assertThat(text.hasLineStartingWith("# TYPE statim_inference_batch_size histogram")).isTrue();
        assertThat(text.hasLineStartingWith("# TYPE statim_inference_request_latency_seconds histogram")).isTrue();
    }

    @Test
    void batchSizeBoundsArePowersOfTwoUpToTheMaximum() {
        assertThat(InferenceMetrics.batchSizeBounds(0)).containsExactly(1, Double.POSITIVE_INFINITY);
        assertThat(InferenceMetrics.batchSizeBounds(1)).containsExactly(1, Double.POSITIVE_INFINITY);
        assertThat(InferenceMetrics.batchSizeBounds(6)).containsExactly(1, 2, 4, 6, Double.POSITIVE_INFINITY);
        assertThat(InferenceMetrics.batchSizeBounds(8)).containsExactly(1, 2, 4, 8, Double.POSITIVE_INFINITY);
    }

    private static String batchBucket(String name, String version, String le) {
        return "statim_inference_batch_size_bucket{model=\"" + name + "\",version=\"" + version + "\",le=\"" + le + "\"}";
    }

    private static String latencyBucket(String le) {
        return "statim_inference_request_latency_seconds_bucket{model=\"m\",version=\"2\",le=\"" + le + "\"}";
    }

    private static ModelConfig config(String name, int maxBatchSize) {
        TensorConfig in = new TensorConfig("IN", DataType.FP32, Shape.of(4), null, false);
        return new ModelConfig(name, "onnxruntime_onnx", "onnxruntime", maxBatchSize, List.of(in), List.of(in), List.of(), Map.of(),
                VersionPolicy.DEFAULT, ModelConfig.DEFAULT_MODEL_FILENAME);
    }

    /** A scheduler with a fixed queue length that takes no requests. */
    private record QueuedScheduler(int queuedRequests) implements Scheduler {
        @Override
        public void submit(InferenceRequest request) {
            throw new UnsupportedOperationException("metrics only read the queue length");
        }

        @Override
        public void close() {
        }
    }
}
