package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

class LoraGraphRewriteTest {
    private static final ModelProto TOY = ToyBert.build(2, 3, true);

    private static long[] dims(ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : -1).toArray();
    }

    @Test
    void addsFiveNodesAndTwoPoolInputsPerTarget() {
        LoraGraphRewrite.Result result = LoraGraphRewrite.rewrite(TOY, List.of("query", "value"), 8, 16);
        LoraLayout layout = result.layout();
        assertThat(layout.targets()).extracting(LoraTarget::modulePath).containsExactly(
                "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value",
                "encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.value");
        assertThat(result.model().getGraph().getNodeCount()).isEqualTo(TOY.getGraph().getNodeCount() + 4 * 5);
        Map<String, Long> added = result.model().getGraph().getNodeList().stream()
                .filter(n -> n.getName().contains("/lora/"))
                .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
        assertThat(added).containsOnly(Map.entry("Gather", 8L), Map.entry("MatMul", 8L), Map.entry("Add", 4L));
        assertThat(LoraGraphRewrite.OPERATORS).containsExactlyInAnyOrderElementsOf(added.keySet());

        Map<String, ValueInfoProto> inputs = result.model().getGraph().getInputList().stream()
                .collect(Collectors.toMap(ValueInfoProto::getName, Function.identity()));
        assertThat(inputs).hasSize(1 + 1 + 8);
        assertThat(dims(inputs.get(LoraGraphRewrite.SLOT_INPUT))).containsExactly(-1);
        assertThat(inputs.get(LoraGraphRewrite.SLOT_INPUT).getType().getTensorType().getElemType()).isEqualTo(7);
        LoraTarget query = layout.targets().getFirst();
        assertThat(query.poolA()).isEqualTo("lora_A.encoder.layer.0.attention.self.query");
        assertThat(dims(inputs.get(query.poolA()))).containsExactly(8, ToyBert.HIDDEN, 16);
        assertThat(dims(inputs.get(query.poolB()))).containsExactly(8, 16, ToyBert.HIDDEN);
        assertThat(layout.poolAShape(query)).containsExactly(8, ToyBert.HIDDEN, 16);
        assertThat(layout.slotBytes()).isEqualTo(4L * (ToyBert.HIDDEN * 16 * 2) * 4);
        assertThat(layout.poolBytes()).isEqualTo(8 * layout.slotBytes());
    }

    @Test
    void keepsTheLayerOutputNameForItsConsumers() {
        LoraGraphRewrite.Result result = LoraGraphRewrite.rewrite(TOY, List.of("encoder.layer.0.attention.self.query"), 2, 4);
        List<NodeProto> nodes = result.model().getGraph().getNodeList();
        NodeProto matMul = nodes.stream().filter(n -> n.getName().equals("/encoder/layer.0/attention/self/query/MatMul"))
                .findFirst().orElseThrow();
        assertThat(matMul.getOutput(0)).isEqualTo("/encoder/layer.0/attention/self/query/MatMul_output_0/lora_base");
        NodeProto add = nodes.get(nodes.indexOf(matMul) + 5);
        assertThat(add.getOpType()).isEqualTo("Add");
        assertThat(add.getInputList()).containsExactly(matMul.getOutput(0), "/encoder/layer.0/attention/self/query/lora/delta");
        assertThat(add.getOutput(0)).isEqualTo("/encoder/layer.0/attention/self/query/MatMul_output_0");
    }

    @Test
    void usesTheBaseModelsBatchSymbolForTheSlotInput() {
        LoraGraphRewrite.Result result = LoraGraphRewrite.rewrite(MiniLmOnnx.model(), List.of("query"), 2, 4);
        ValueInfoProto slot = result.model().getGraph().getInputList().stream()
                .filter(v -> v.getName().equals(LoraGraphRewrite.SLOT_INPUT)).findFirst().orElseThrow();
        assertThat(slot.getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch_size");
        assertThat(result.layout().targets()).hasSize(6);
    }

    @Test
    void targetsBothDenseLayersByTheirCommonSuffixAsPeftDoes() {
        LoraGraphRewrite.Result result = LoraGraphRewrite.rewrite(TOY, List.of("output.dense"), 2, 4);
        assertThat(result.layout().targets()).extracting(LoraTarget::modulePath).containsExactly(
                "encoder.layer.0.attention.output.dense", "encoder.layer.0.output.dense",
                "encoder.layer.1.attention.output.dense", "encoder.layer.1.output.dense");
    }

    @Test
    void refusesATargetThatMatchesNoLayer() {
        assertThatThrownBy(() -> LoraGraphRewrite.rewrite(TOY, List.of("query", "q_proj"), 2, 4))
                .hasMessageContaining("target module 'q_proj' matches no linear layer");
    }

    @Test
    void refusesTooFewSlotsOrNoRank() {
        assertThatThrownBy(() -> LoraGraphRewrite.rewrite(TOY, List.of("query"), 1, 4)).hasMessageContaining("slots=1 must be >= 2");
        assertThatThrownBy(() -> LoraGraphRewrite.rewrite(TOY, List.of("query"), 2, 0)).hasMessageContaining("maxRank=0 must be >= 1");
    }

    @Test
    void refusesPoolsBeyondTwoBillionElements() {
        assertThatThrownBy(() -> LoraGraphRewrite.rewrite(TOY, List.of("query"), 1 << 20, 1 << 10))
                .hasMessageContaining("more than 2^31-1");
    }
}
