package io.statim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class SvgPlotTest {

    private static LevelResult point(String protocol, double level, double throughput, double p50, double p99) {
        return new LevelResult(protocol, "binary", "concurrency", level, true, 3, 1000, throughput, p50, p50, p50, p99, p99, p50,
                Map.of(), ServerSplit.NONE);
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void writesWellFormedSvgWithTwoPointsPerLevel() throws Exception {
        List<LevelResult> results = List.of(point("h2c", 1, 4000, 240, 400), point("h2c", 8, 15000, 500, 1200),
                point("http1", 1, 3500, 260, 450));

        Document svg = parse(SvgPlot.render("simple <&> latency", results));

        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(svg.getElementsByTagName("circle").getLength()).isEqualTo(6);
        assertThat(svg.getElementsByTagName("polyline").getLength()).isEqualTo(4);
        assertThat(texts(svg)).contains("simple <&> latency", "c=1", "c=8", "h2c+binary p50", "http1+binary p99",
                "throughput (inferences/s)", "latency (ms)");
    }

    @Test
    void switchesToALogScaleWhenTheTailDwarfsTheMedian() throws Exception {
        Document svg = parse(SvgPlot.render("t", List.of(point("grpc", 1, 100, 200, 90_000))));

        assertThat(texts(svg)).contains("latency (ms, log scale)", "0.1", "1", "10", "100");
    }

    @Test
    void roundsAxisEndsToOneTwoOrFive() {
        assertThat(SvgPlot.niceCeiling(7300)).isEqualTo(10_000);
        assertThat(SvgPlot.niceCeiling(1.3)).isEqualTo(2);
        assertThat(SvgPlot.niceCeiling(0.41)).isEqualTo(0.5);
    }

    private static List<String> texts(Document svg) {
        NodeList nodes = svg.getElementsByTagName("text");
        return java.util.stream.IntStream.range(0, nodes.getLength()).mapToObj(i -> nodes.item(i).getTextContent()).toList();
    }
}
