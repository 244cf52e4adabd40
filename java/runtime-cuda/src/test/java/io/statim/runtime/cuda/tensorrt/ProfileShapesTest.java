package io.statim.runtime.cuda.tensorrt;

import static io.statim.runtime.cuda.tensorrt.Configs.gpu;
import static io.statim.runtime.cuda.tensorrt.Configs.parameter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import org.junit.jupiter.api.Test;

class ProfileShapesTest {
    private static final String IDS_RANGE = parameter("tensorrt_dims.IDS", "8:128:512");

    @Test
    void batchRunsFromOneToMaxBatchSizeAndIsTunedForMaxWithoutPreferredSizes() {
        ProfileShapes profile = ProfileShapes.of(gpu(IDS_RANGE));
        ProfileShapes.Input x = profile.input("X");
        assertThat(x.min()).containsExactly(1, 4);
        assertThat(x.opt()).containsExactly(16, 4);
        assertThat(x.max()).containsExactly(16, 4);
    }

    @Test
    void tunesForTheLargestPreferredBatchSize() {
        ProfileShapes profile = ProfileShapes.of(gpu(IDS_RANGE + "dynamic_batching { preferred_batch_size: [ 4, 8 ] }\n"));
        assertThat(profile.input("X").opt()).containsExactly(8, 4);
    }

    @Test
    void anExplicitOptBatchSizeWinsAndIsChecked() {
        assertThat(ProfileShapes.of(gpu(IDS_RANGE + parameter("tensorrt_opt_batch_size", "2"))).input("X").opt()).containsExactly(2, 4);
        assertThatThrownBy(() -> ProfileShapes.of(gpu(IDS_RANGE + parameter("tensorrt_opt_batch_size", "17"))))
                .hasMessageContaining("tensorrt_opt_batch_size").hasMessageContaining("17");
    }

    @Test
    void variableDimsTakeTheirRangeFromTheDimsParameter() {
        ProfileShapes.Input ids = ProfileShapes.of(gpu(IDS_RANGE)).input("IDS");
        assertThat(ids.min()).containsExactly(1, 8);
        assertThat(ids.opt()).containsExactly(16, 128);
        assertThat(ids.max()).containsExactly(16, 512);
        assertThat(ids.admits(new long[] {3, 200})).isTrue();
        assertThat(ids.admits(new long[] {3, 513})).isFalse();
        assertThat(ids.admits(new long[] {17, 200})).isFalse();
        assertThat(ids.fixed()).isFalse();
    }

    @Test
    void aVariableDimWithoutARangeNamesTheParameterToSet() {
        assertThatThrownBy(() -> ProfileShapes.of(gpu("")))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("input 'IDS' has 1 variable dim").hasMessageContaining("tensorrt_dims.IDS");
    }

    @Test
    void malformedRangesAreRefused() {
        for (String bad : new String[] {"8:128", "128:8:512", "0:1:2", "a:b:c", "8:128:512,1:2:3"}) {
            assertThatThrownBy(() -> ProfileShapes.of(gpu(parameter("tensorrt_dims.IDS", bad))))
                    .as(bad).hasMessageContaining("tensorrt_dims.IDS").hasMessageContaining(bad);
        }
    }

    @Test
    void aRangeForAFixedInputIsRefused() {
        assertThatThrownBy(() -> ProfileShapes.of(gpu(IDS_RANGE + parameter("tensorrt_dims.X", "1:2:3"))))
                .hasMessageContaining("tensorrt_dims.X").hasMessageContaining("no variable dims");
    }

    @Test
    void aNonBatchingModelUsesItsDimsAsTheyAre() {
        ProfileShapes profile = ProfileShapes.of(Configs.parse("max_batch_size: 0\n"
                + "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]\n"
                + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]\n"));
        assertThat(profile.input("X").min()).containsExactly(2, 3);
        assertThat(profile.fixed()).isTrue();
    }

    @Test
    void theCanonicalTextListsEveryInputInConfigOrder() {
        assertThat(ProfileShapes.of(gpu(IDS_RANGE)).canonical()).isEqualTo("X:1x4/16x4/16x4;IDS:1x8/16x128/16x512;");
    }
}
