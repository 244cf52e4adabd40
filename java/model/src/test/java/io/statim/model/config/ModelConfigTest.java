package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class ModelConfigTest {
    private static final TensorConfig IN = new TensorConfig("IN", DataType.FP32, Shape.of(4), null, false);
    private static final TensorConfig OUT = new TensorConfig("OUT", DataType.FP32, Shape.of(4), null, false);

    private static ModelConfig config(int maxBatchSize, Map<String, String> parameters) {
        return new ModelConfig("m", "onnxruntime_onnx", "onnxruntime", maxBatchSize, List.of(IN), List.of(OUT),
                List.of(), parameters, VersionPolicy.DEFAULT, ModelConfig.DEFAULT_MODEL_FILENAME);
    }

    @Test
    void findsTensorsByName() {
        ModelConfig config = config(0, Map.of());

        assertThat(config.input("IN")).isSameAs(IN);
        assertThat(config.output("OUT")).isSameAs(OUT);
    }

    @Test
    void returnsNullForAnAbsentTensor() {
        ModelConfig config = config(0, Map.of());

        assertThat(config.input("OUT")).isNull();
        assertThat(config.output("IN")).isNull();
    }

    @Test
    void batchesOnlyWhenMaxBatchSizeIsPositive() {
        assertThat(config(0, Map.of()).batching()).isFalse();
        assertThat(config(1, Map.of()).batching()).isTrue();
    }

    @Test
    void fallsBackToTheDefaultForAnAbsentParameter() {
        ModelConfig config = config(0, Map.of("a", "x"));

        assertThat(config.parameter("a", "d")).isEqualTo("x");
        assertThat(config.parameter("b", "d")).isEqualTo("d");
        assertThat(config.intParameter("b", 7)).isEqualTo(7);
    }

    @Test
    void readsAnIntParameter() {
        assertThat(config(0, Map.of("threads", " 4 ")).intParameter("threads", 1)).isEqualTo(4);
    }

    @Test
    void rejectsAnIntParameterThatIsNotANumberNamingTheKey() {
        assertThatThrownBy(() -> config(0, Map.of("threads", "four")).intParameter("threads", 1))
                .isInstanceOf(StatusException.class)
                .hasMessage("model 'm': parameter 'threads' is 'four', which is not an integer")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void copiesItsCollections() {
        var inputs = new ArrayList<>(List.of(IN));
        ModelConfig config = new ModelConfig("m", "p", "b", 0, inputs, List.of(OUT), List.of(), Map.of(),
                VersionPolicy.DEFAULT, "model.onnx");
        inputs.clear();

        assertThat(config.inputs()).containsExactly(IN);
        assertThatThrownBy(() -> config.inputs().add(IN)).isInstanceOf(UnsupportedOperationException.class);
    }
}
