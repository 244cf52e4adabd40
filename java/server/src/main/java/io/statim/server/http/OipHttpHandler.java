package io.statim.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.statim.core.device.Device;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.protocol.ModelControl;
import io.statim.protocol.SchedulingParameters;
import io.statim.protocol.ServedVersions;
import io.statim.protocol.ServerInfo;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.OipJson;
import io.statim.protocol.oip.OipRequestDecoder;
import io.statim.protocol.oip.OipResponseEncoder;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.ServedModel;
import io.netty.util.AttributeKey;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol's REST API over HTTP/1.1 and HTTP/2 streams: health, metadata,
 * config, statistics, repository control and inference. Shared by all connections; runs on their
 * event loops and never blocks them: inference is handed to the model's scheduler, model loads to
 * the control executor ({@link ModelControl}). Request parameters {@code priority} and {@code timeout}
 * are read as every protocol reads them ({@link SchedulingParameters}).
 */
@ChannelHandler.Sharable
public final class OipHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(OipHttpHandler.class);

    private final ModelManager models;
    private final Device device;
    private final OipRequestDecoder decoder;
    private final OipResponseEncoder encoder;
    private final ModelControl control;
    private final ServerInfo info;

    /**
     * @param control runs model loads and unloads, which block, off the event loop
     */
    public OipHttpHandler(ModelManager models, Device device, OipRequestDecoder decoder, OipResponseEncoder encoder,
            ModelControl control, ServerInfo info) {
        this.models = models;
        this.device = device;
        this.decoder = decoder;
        this.encoder = encoder;
        this.control = control;
        this.info = info;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpConnections.requestStarted(ctx);
        if (!request.decoderResult().isSuccess()) {
            // The decoder ignores everything after a malformed request: the connection is done.
            HttpReplies.errorAndClose(ctx, Status.invalidArgument("malformed HTTP request"));
            return;
        }
        Route route = Route.parse(new QueryStringDecoder(request.uri()).path());
        try {
            dispatch(ctx, request, route);
        } catch (StatusException e) {
            HttpReplies.error(ctx, e.status());
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", request.method(), route.kind(), e);
            HttpReplies.error(ctx, Status.internal("internal error: " + e.getClass().getSimpleName()));
        }
    }

    private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request, Route route) {
        HttpMethod method = request.method();
        switch (route.kind()) {
            case SERVER_METADATA -> {
                expect(method, HttpMethod.GET);
                HttpReplies.json(ctx, OipJson.serverMetadata(ctx.alloc(), info.name(), info.version(), info.extensions()));
            }
            case HEALTH_LIVE -> {
                expect(method, HttpMethod.GET);
                HttpReplies.empty(ctx, HttpResponseStatus.OK);
            }
            case HEALTH_READY -> {
                expect(method, HttpMethod.GET);
                HttpReplies.empty(ctx, models.allReady() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
            }
            case MODEL_READY -> {
                expect(method, HttpMethod.GET);
                HttpReplies.empty(ctx, models.isReady(route.model(), route.version()) ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
            }
            case MODEL_METADATA -> {
                expect(method, HttpMethod.GET);
                ServedModel served = models.resolve(route.model(), route.version());
                HttpReplies.json(ctx, OipJson.modelMetadata(ctx.alloc(), served.config(), ServedVersions.numbers(models, route.model())));
            }
            case MODEL_CONFIG -> {
                expect(method, HttpMethod.GET);
                HttpReplies.json(ctx, OipJson.modelConfig(ctx.alloc(), models.resolve(route.model(), route.version()).config()));
            }
            case MODEL_STATS -> {
                expect(method, HttpMethod.GET);
                HttpReplies.json(ctx, ServerJson.statistics(ctx.alloc(), ServedVersions.forStatistics(models, route.model(), route.version())));
            }
            case ALL_STATS -> {
                expect(method, HttpMethod.GET);
                HttpReplies.json(ctx, ServerJson.statistics(ctx.alloc(), models.served()));
            }
            case MODEL_INFER -> {
                expect(method, HttpMethod.POST);
                infer(ctx, request, route);
            }
            case REPOSITORY_INDEX -> {
                expect(method, HttpMethod.POST);
                HttpReplies.json(ctx, ServerJson.index(ctx.alloc(), models.index(), ServerJson.readyOnly(request.content())));
            }
            case REPOSITORY_LOAD, REPOSITORY_UNLOAD -> {
                expect(method, HttpMethod.POST);
                control(ctx, route);
            }
            case BAD_VERSION -> throw new StatusException(Code.INVALID_ARGUMENT, "model version must be a positive integer");
            case NOT_FOUND -> throw new StatusException(Code.NOT_FOUND, "no endpoint at " + new QueryStringDecoder(request.uri()).path());
        }
    }

    private void infer(ChannelHandlerContext ctx, FullHttpRequest request, Route route) {
        long arrival = System.nanoTime();
        ServedModel served = models.resolve(route.model(), route.version());
        long jsonLength = jsonLength(request);
        RequestBody body = RequestBody.of(request.content(), device);
        DecodedRequest decoded;
        try {
            decoded = decoder.decode(body.segment(), jsonLength, served.config(), device);
        } catch (RuntimeException e) {
            body.release();
            throw e;
        }
        SchedulingParameters scheduling;
        try {
            scheduling = SchedulingParameters.of(decoded.parameters());
        } catch (RuntimeException e) {
            decoded.release();
            body.release();
            throw e;
        }
        InferenceExchange exchange = new InferenceExchange(ctx, request.retain(), body, decoded, encoder);
        InferenceRequest inference = new InferenceRequest(decoded.id(), served.name(), served.version(), decoded.inputs(),
                decoded.outputNames(), decoded.batchSize(), arrival, exchange, scheduling.priority(), scheduling.timeoutNs());
        ctx.channel().attr(IN_FLIGHT).set(new InFlight(served.scheduler(), inference));
        served.scheduler().submit(inference);
    }

    /** The inference a connection (HTTP/1.1) or stream (HTTP/2) waits for, to cancel if it goes away. */
    private record InFlight(Scheduler scheduler, InferenceRequest request) {
    }

    private static final AttributeKey<InFlight> IN_FLIGHT = AttributeKey.valueOf(OipHttpHandler.class, "inFlight");

    /**
     * The client went away (connection closed, HTTP/2 stream reset): its request, if still queued,
     * is dropped without running; if it runs, its response is discarded when it comes.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InFlight inFlight = ctx.channel().attr(IN_FLIGHT).getAndSet(null);
        if (inFlight != null && !inFlight.request().isDone()) {
            inFlight.scheduler().cancel(inFlight.request());
        }
        super.channelInactive(ctx);
    }

    private void control(ChannelHandlerContext ctx, Route route) {
        Consumer<Status> reply = outcome -> ctx.executor().execute(() -> {
            if (outcome.isOk()) {
                HttpReplies.empty(ctx, HttpResponseStatus.OK);
            } else {
                HttpReplies.error(ctx, outcome);
            }
        });
        if (route.kind() == Route.Kind.REPOSITORY_LOAD) {
            control.load(route.model(), reply);
        } else {
            control.unload(route.model(), reply);
        }
    }

    private static long jsonLength(FullHttpRequest request) {
        String value = request.headers().get(HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            long length = Long.parseLong(value.trim());
            if (length < 0) {
                throw new NumberFormatException();
            }
            return length;
        } catch (NumberFormatException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH + " must be a non-negative integer");
        }
    }

    private static void expect(HttpMethod actual, HttpMethod expected) {
        if (!actual.equals(expected)) {
            throw new StatusException(Code.METHOD_NOT_ALLOWED, actual + " is not allowed here; use " + expected);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection error: {}", cause.toString());
        ctx.close();
    }
}
