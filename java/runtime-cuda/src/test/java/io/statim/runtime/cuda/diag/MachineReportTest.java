package io.statim.runtime.cuda.diag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MachineReportTest {
    @Test
    void reportsJavaOsAndCpuAndOneLineForTheGpuWhenThereIsNone() {
        List<String> lines = MachineReport.lines();
        assertThat(lines.get(0)).startsWith("Java: " + System.getProperty("java.version"));
        assertThat(lines.get(1)).startsWith("OS: ");
        assertThat(lines.get(2)).startsWith("CPU: ");
        if (!MachineReport.hasGpu()) {
            assertThat(lines).hasSize(4);
            assertThat(lines.get(3)).startsWith("GPU: none (");
        } else {
            assertThat(lines).anyMatch(l -> l.startsWith("GPU 0: "));
        }
    }
}
