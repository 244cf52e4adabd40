package io.statim.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.EncodedResponse;
import io.statim.protocol.oip.OipResponseEncoder;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One REST inference in flight: holds the HTTP request (retained), its body and decoded inputs until
 * the scheduler answers, then encodes and writes the response on the connection's event loop and
 * releases everything it held, whatever the outcome. A successful response carries the session
 * headers of its request (a session it opened or closed); a failed one does not, since the
 * scheduler ends a session that the failed request opened.
 */
final class InferenceExchange implements ResponseListener {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceExchange.class);

    private final ChannelHandlerContext ctx;
    private final FullHttpRequest request;
    private final RequestBody body;
    private final DecodedRequest decoded;
    private final OipResponseEncoder encoder;
    private final SageMakerContract.SessionReply session;
    private final boolean sageMaker;

    /**
     * Takes ownership of one reference of {@code request}, of {@code body} and of {@code decoded}.
     *
     * @param session   the session headers of a successful reply
     * @param sageMaker the request came on SageMaker's {@code /invocations}
     */
    InferenceExchange(ChannelHandlerContext ctx, FullHttpRequest request, RequestBody body, DecodedRequest decoded,
            OipResponseEncoder encoder, SageMakerContract.SessionReply session, boolean sageMaker) {
        this.ctx = ctx;
        this.request = request;
        this.body = body;
        this.decoded = decoded;
        this.encoder = encoder;
        this.session = session;
        this.sageMaker = sageMaker;
    }

    @Override
    public void onResponse(InferenceResponse response) {
        ctx.executor().execute(() -> {
            try {
                if (ctx.channel().isActive()) {
                    EncodedResponse encoded = encoder.encode(response, decoded, ctx.alloc());
                    HttpReplies.inference(ctx, encoded.body(), encoded.jsonLength(), session, sageMaker);
                }
            } catch (StatusException e) {
                HttpReplies.error(ctx, e.status(), sageMaker);
            } catch (RuntimeException e) {
                LOG.error("encoding a response of model '{}' failed", response.modelName(), e);
                HttpReplies.error(ctx, Status.internal("encoding the response failed"), sageMaker);
            } finally {
                response.release();
                releaseRequest();
            }
        });
    }

    @Override
    public void onError(Status status) {
        ctx.executor().execute(() -> {
            try {
                if (ctx.channel().isActive()) {
                    HttpReplies.error(ctx, status, sageMaker);
                }
            } finally {
                releaseRequest();
            }
        });
    }

    /** Releases what the exchange holds when its request is never submitted. Event loop. */
    void discard() {
        releaseRequest();
    }

    private void releaseRequest() {
        decoded.release();
        body.release();
        request.release();
    }
}
