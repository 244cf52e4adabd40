package io.statim.bench.load;

/**
 * What a run measured, written at the head of its results so that a figure says what it is.
 *
 * @param started      when the run started, ISO-8601 UTC
 * @param machine      architecture and cores of the machine the generator ran on
 * @param server       the REST address (and the gRPC one where used)
 * @param model        the model (and version) under load
 * @param inputs       where the inputs came from
 * @param batchSize    the batch dimension of each request
 * @param windowMillis the measurement window
 * @param stability    the stability criterion
 */
record RunInfo(String started, String machine, String server, String model, String inputs, int batchSize, long windowMillis,
        String stability) {
}
