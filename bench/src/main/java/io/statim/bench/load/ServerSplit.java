package io.statim.bench.load;

import io.statim.client.ModelStatistics;
import java.util.List;

/**
 * Where the server spent a window's time, from the difference of two snapshots of Triton's statistics
 * extension (summed over the model's versions): the average queue wait per request, the average
 * compute_input / compute_infer / compute_output per request (each request is charged the whole
 * compute time of the batch it ran in, as Triton counts), and the average batch size (inferences per
 * execution).
 *
 * @param requests        successful requests the server counted in the window
 * @param queueMicros     average wait in the scheduler's queue per request
 * @param computeInputMicros  average input preparation per request
 * @param computeInferMicros  average model run per request
 * @param computeOutputMicros average output extraction per request
 * @param batchSize       inferences per execution; 0 when nothing ran
 */
record ServerSplit(long requests, double queueMicros, double computeInputMicros, double computeInferMicros,
        double computeOutputMicros, double batchSize) {

    static final ServerSplit NONE = new ServerSplit(0, 0, 0, 0, 0, 0);

    /** The split of the interval between {@code before} and {@code after}. */
    static ServerSplit between(List<ModelStatistics> before, List<ModelStatistics> after) {
        Totals a = Totals.of(after);
        Totals b = Totals.of(before);
        long executions = a.executions - b.executions;
        long queued = a.queueCount - b.queueCount;
        long computed = a.computeCount - b.computeCount;
        return new ServerSplit(a.successes - b.successes, perMicros(a.queueNs - b.queueNs, queued),
                perMicros(a.inputNs - b.inputNs, computed), perMicros(a.inferNs - b.inferNs, computed),
                perMicros(a.outputNs - b.outputNs, computed), executions <= 0 ? 0 : (double) (a.inferences - b.inferences) / executions);
    }

    /** The average over windows, each weighted by its requests. */
    static ServerSplit average(List<ServerSplit> splits) {
        long requests = 0;
        double q = 0;
        double in = 0;
        double inf = 0;
        double out = 0;
        double batch = 0;
        for (ServerSplit s : splits) {
            requests += s.requests;
            q += s.queueMicros * s.requests;
            in += s.computeInputMicros * s.requests;
            inf += s.computeInferMicros * s.requests;
            out += s.computeOutputMicros * s.requests;
            batch += s.batchSize * s.requests;
        }
        if (requests == 0) {
            return NONE;
        }
        return new ServerSplit(requests, q / requests, in / requests, inf / requests, out / requests, batch / requests);
    }

    private static double perMicros(long ns, long count) {
        return count <= 0 ? 0 : ns / 1000.0 / count;
    }

    /** Counters summed over a model's versions. */
    private record Totals(long inferences, long executions, long successes, long queueCount, long queueNs, long computeCount,
            long inputNs, long inferNs, long outputNs) {
        static Totals of(List<ModelStatistics> stats) {
            long inferences = 0;
            long executions = 0;
            long successes = 0;
            long queueCount = 0;
            long queueNs = 0;
            long computeCount = 0;
            long inputNs = 0;
            long inferNs = 0;
            long outputNs = 0;
            for (ModelStatistics s : stats) {
                inferences += s.inferenceCount();
                executions += s.executionCount();
                successes += s.success().count();
                queueCount += s.queue().count();
                queueNs += s.queue().ns();
                computeCount += s.computeInfer().count();
                inputNs += s.computeInput().ns();
                inferNs += s.computeInfer().ns();
                outputNs += s.computeOutput().ns();
            }
            return new Totals(inferences, executions, successes, queueCount, queueNs, computeCount, inputNs, inferNs, outputNs);
        }
    }
}
