package io.statim.server.cli;

import io.statim.runtime.cuda.diag.GpuSelfTest;
import io.statim.runtime.cuda.diag.MachineReport;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code statim doctor}: what this machine has for Statim (Java, OS, CPU features; where present the
 * NVIDIA driver, GPUs, CUDA runtime, cuDNN, TensorRT, the Java bindings and Statim's kernels), and
 * with {@code --gpu-selftest} a pass/fail line per GPU step. Exits 0 on a machine without a GPU
 * (saying so in one line) and when every self-test step passed; 1 when a step failed.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Report Java, OS, CPU features and, where present, the NVIDIA driver, GPUs, CUDA, cuDNN and TensorRT.")
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--gpu-selftest", description = "On GPU 0: allocate, copy, run each Statim kernel against its Java reference, "
            + "build and run a tiny TensorRT engine; one pass/fail line per step")
    boolean gpuSelftest;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        out.println("Statim " + io.statim.server.StatimServer.VERSION);
        List<String> lines = MachineReport.lines();
        lines.forEach(out::println);
        if (!gpuSelftest) {
            return 0;
        }
        if (!MachineReport.hasGpu()) {
            out.println("GPU self-test: skipped, this machine has no GPU");
            return 0;
        }
        out.println("GPU self-test on GPU 0:");
        List<GpuSelfTest.Step> steps = GpuSelfTest.run(step -> out.println("  " + step.line()));
        long failed = steps.stream().filter(s -> s.outcome() == GpuSelfTest.Outcome.FAIL).count();
        long passed = steps.stream().filter(s -> s.outcome() == GpuSelfTest.Outcome.PASS).count();
        out.println("GPU self-test: " + (failed == 0 ? "every step passed" : failed + " step(s) failed") + " (" + passed + " of "
                + steps.size() + " steps passed)");
        return failed == 0 ? 0 : 1;
    }
}
