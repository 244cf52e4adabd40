package io.statim.router;

/** How the router places a request that no session pins: SageMaker's two routing strategies. */
public enum Strategy {
    /** A uniformly random upstream in rotation (SageMaker's default). */
    RANDOM,
    /** The upstream in rotation with the fewest requests in flight from this router; ties at random. */
    LEAST_OUTSTANDING_REQUESTS
}
