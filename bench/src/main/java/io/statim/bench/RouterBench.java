package io.statim.bench;

import io.statim.model.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The repository of the router figures ({@code bench/run-router-bench.sh}): {@code simple} and
 * {@code variable_cost}, each instance with one intra-op thread, so that four servers on a small machine
 * do not each spread one request over every core (the study measures queueing, not intra-op scaling).
 *
 * <p>Usage: {@code RouterBench write-repo DIR}.
 */
public final class RouterBench {
    private static final String ONE_THREAD = "parameters { key: \"intra_op_thread_count\" value { string_value: \"1\" } }\n";

    private RouterBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[0].equals("write-repo")) {
            System.err.println("usage: RouterBench write-repo DIR");
            System.exit(2);
        }
        Path repo = Path.of(args[1]);
        for (Path model : new Path[] {TestModels.writeSimple(repo), TestModels.writeVariableCost(repo)}) {
            Path config = model.resolve("config.pbtxt");
            Files.writeString(config, ONE_THREAD, StandardOpenOption.APPEND);
        }
    }
}
