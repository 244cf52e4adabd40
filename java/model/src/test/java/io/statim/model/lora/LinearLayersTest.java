package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.List;

class LinearLayersTest {
    private static final List<String> LAYER_MODULES = List.of(
            "attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense");

    @Test
    void namesLayersOfMiniLmByTheirScopedNodeNames() {
        List<LinearLayer> layers = LinearLayers.of(MiniLmOnnx.model().getGraph());
        assertThat(layers).hasSize(MiniLmOnnx.LAYERS * LAYER_MODULES.size());
        for (int l = 0; l < MiniLmOnnx.LAYERS; l++) {
            for (int m = 0; m < LAYER_MODULES.size(); m++) {
                LinearLayer layer = layers.get(l * LAYER_MODULES.size() + m);
                String path = "encoder.layer." + l + "." + LAYER_MODULES.get(m);
                assertThat(layer.modulePath()).isEqualTo(path);
                assertThat(layer.node()).isEqualTo("/encoder/layer." + l + "/" + LAYER_MODULES.get(m).replace('.', '/') + "/MatMul");
                assertThat(layer.weight()).startsWith("onnx::MatMul_");
                assertThat(layer.elementType()).isEqualTo(1);
            }
        }
        LinearLayer intermediate = layers.get(4);
        assertThat(intermediate.in()).isEqualTo(MiniLmOnnx.HIDDEN);
        assertThat(intermediate.out()).isEqualTo(MiniLmOnnx.INTERMEDIATE);
        LinearLayer output = layers.get(5);
        assertThat(output.in()).isEqualTo(MiniLmOnnx.INTERMEDIATE);
        assertThat(output.out()).isEqualTo(MiniLmOnnx.HIDDEN);
    }

    @Test
    void leavesOutMatMulsBetweenActivations() {
        List<LinearLayer> layers = LinearLayers.of(ToyBert.build(1, 1, true).getGraph());
        assertThat(layers).extracting(LinearLayer::node).noneMatch(n -> n.endsWith("/attention/self/MatMul"));
        assertThat(layers).hasSize(6);
    }

    @Test
    void namesLayersByTheirBiasWhenNodesAreUnscoped() {
        List<LinearLayer> layers = LinearLayers.of(ToyBert.build(2, 1, false).getGraph());
        assertThat(layers).extracting(LinearLayer::node).allMatch(n -> n.startsWith("MatMul_"));
        assertThat(layers).extracting(LinearLayer::modulePath).startsWith(
                "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.key");
        assertThat(layers).hasSize(12);
    }
}
