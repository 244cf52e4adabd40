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
import io.statim.protocol.lora.AdapterControl;
import io.statim.protocol.lora.AdapterSelection;
import io.statim.runtime.AdapterBinding;
import io.statim.protocol.SchedulingParameters;
import io.statim.protocol.ServedVersions;
import io.statim.protocol.ServerInfo;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.OipJson;
import io.statim.protocol.oip.OipRequestDecoder;
import io.statim.protocol.oip.OipResponseEncoder;
import io.statim.protocol.session.SessionBinding;
import io.statim.protocol.session.SessionIntent;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.Scheduler;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.session.Session;
import io.statim.scheduler.session.SessionIds;
import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol's REST API over HTTP/1.1 and HTTP/2 streams: health, metadata,
 * config, statistics, repository control and inference; and SageMaker's container API beside it
 * ({@code GET /ping}, {@code POST /invocations}) with its sticky sessions. Shared by all connections;
 * runs on their event loops and never blocks them: inference is handed to the model's scheduler,
 * model loads to the control executor ({@link ModelControl}). Request parameters {@code priority} and
 * {@code timeout} are read as every protocol reads them ({@link SchedulingParameters}); the session a
 * request opens, uses or closes (SageMaker's {@code X-Amzn-SageMaker-Session-Id} header, the OIP
 * parameters {@code sequence_id}, {@code sequence_start}, {@code sequence_end}) is bound before the
 * request is submitted ({@link SessionBinding}), on {@code /invocations} and {@code /v2/.../infer} alike.
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
    private final String sageMakerModel;
    private final AdapterApi adapters;

    /**
     * @param control        runs model loads and unloads, which block, off the event loop
     * @param sageMakerModel the model of {@code POST /invocations} requests that name none, or {@code null}
     * @param adapterControl runs the adapter API's changes (register, unregister, pin), which block, off the event loop
     */
    public OipHttpHandler(ModelManager models, Device device, OipRequestDecoder decoder, OipResponseEncoder encoder,
            ModelControl control, ServerInfo info, String sageMakerModel, AdapterControl adapterControl) {
        this.models = models;
        this.device = device;
        this.decoder = decoder;
        this.encoder = encoder;
        this.control = control;
        this.info = info;
        this.sageMakerModel = sageMakerModel;
        this.adapters = new AdapterApi(adapterControl);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpConnections.requestStarted(ctx);
        if (!request.decoderResult().isSuccess()) {
            // The decoder ignores everything after a malformed request: the connection is done.
            HttpReplies.errorAndClose(ctx, Status.invalidArgument("malformed HTTP request"));
            return;
        }
        Route route;
        try {
            route = Route.parse(new QueryStringDecoder(request.uri()).path());
        } catch (IllegalArgumentException e) {
            // A bad percent escape: answered (and audited) rather than left to exceptionCaught's bare close.
            HttpReplies.error(ctx, Status.invalidArgument("malformed request path"));
            return;
        }
        HttpAudit.note(ctx, route.model(), route.version() == InferenceRequest.LATEST ? HttpAudit.NO_VERSION : route.version(),
                route.adapter(), null);
        boolean sageMaker = route.kind() == Route.Kind.INVOCATIONS;
        try {
            dispatch(ctx, request, route);
        } catch (StatusException e) {
            HttpReplies.error(ctx, e.status(), sageMaker);
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", request.method(), route.kind(), e);
            HttpReplies.error(ctx, Status.internal("internal error: " + e.getClass().getSimpleName()), sageMaker);
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
                infer(ctx, request, models.resolve(route.model(), route.version()), false);
            }
            case PING -> {
                expect(method, HttpMethod.GET);
                HttpReplies.empty(ctx, models.allReady() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE);
            }
            case INVOCATIONS -> {
                expect(method, HttpMethod.POST);
                invocations(ctx, request);
            }
            case REPOSITORY_INDEX -> {
                expect(method, HttpMethod.POST);
                HttpReplies.json(ctx, ServerJson.index(ctx.alloc(), models.index(), ServerJson.readyOnly(request.content())));
            }
            case REPOSITORY_LOAD, REPOSITORY_UNLOAD -> {
                expect(method, HttpMethod.POST);
                control(ctx, route);
            }
            case ADAPTERS, ADAPTER, ADAPTER_PIN, ADAPTER_UNPIN -> adapters.handle(ctx, request, route, models.resolve(route.model(), route.version()));
            case BAD_VERSION -> throw new StatusException(Code.INVALID_ARGUMENT, "model version must be a positive integer");
            case NOT_FOUND -> throw new StatusException(Code.NOT_FOUND, "no endpoint at " + new QueryStringDecoder(request.uri()).path());
        }
    }

    /** SageMaker's {@code POST /invocations}: a session control request or an OIP inference request. */
    private void invocations(ChannelHandlerContext ctx, FullHttpRequest request) {
        ServedModel served = models.resolve(SageMakerContract.targetModel(request.headers(), sageMakerModel), InferenceRequest.LATEST);
        HttpAudit.note(ctx, served.name(), served.version(), null, null);
        boolean binary = request.headers().contains(HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH)
                || SageMakerContract.tritonJsonHeaderSize(request.headers()) >= 0;
        SageMakerContract.Control control = binary ? SageMakerContract.Control.NONE : SageMakerContract.control(request.content());
        switch (control) {
            case NEW_SESSION -> newSession(ctx, request, served);
            case CLOSE -> closeSession(ctx, request, served);
            case NONE -> infer(ctx, request, served, true);
        }
    }

    /** {@code {"requestType": "NEW_SESSION"}}: opens a session without running the model. */
    private static void newSession(ChannelHandlerContext ctx, FullHttpRequest request, ServedModel served) {
        String header = request.headers().get(SessionIntent.SESSION_ID_HEADER);
        if (header != null && !header.strip().equals(SessionIntent.NEW_SESSION)) {
            throw new StatusException(Code.INVALID_ARGUMENT, "a NEW_SESSION request opens a session: "
                    + SessionIntent.SESSION_ID_HEADER + " must be " + SessionIntent.NEW_SESSION + " or absent");
        }
        Session session = SessionBinding.openOnly(served);
        HttpAudit.note(ctx, null, HttpAudit.NO_VERSION, null, session.id());
        Instant expires = Instant.ofEpochMilli(session.expiresAtMillis());
        HttpReplies.json(ctx, SageMakerContract.newSessionBody(ctx.alloc(), session.id(), expires),
                new SageMakerContract.SessionReply(SageMakerContract.newSessionHeader(session.id(), expires), null));
    }

    /** {@code {"requestType": "CLOSE"}}: closes the session the header names; its queued requests still run. */
    private void closeSession(ChannelHandlerContext ctx, FullHttpRequest request, ServedModel served) {
        String header = request.headers().get(SessionIntent.SESSION_ID_HEADER);
        if (header == null || header.isBlank()) {
            throw new StatusException(Code.FAILED_DEPENDENCY, "a CLOSE request needs header " + SessionIntent.SESSION_ID_HEADER
                    + " naming the session to close");
        }
        String id = header.strip();
        if (!SessionIds.isValid(id) || id.equals(SessionIntent.NEW_SESSION)) {
            throw new StatusException(Code.INVALID_ARGUMENT, SessionIntent.SESSION_ID_HEADER + " of a CLOSE request must be a session id"
                    + " of letters, digits and '-' (at most " + SessionIds.MAX_LENGTH + " characters)");
        }
        HttpAudit.note(ctx, null, HttpAudit.NO_VERSION, null, id);
        SessionBinding.closeOnly(served, models.sessions(), id);
        HttpReplies.json(ctx, SageMakerContract.closedSessionBody(ctx.alloc(), id), new SageMakerContract.SessionReply(null, id));
    }

    /**
     * Decodes, binds to its session and submits an inference request. Until the exchange owns them,
     * the body and decoded inputs are released here on every failure, and a bound session is given back.
     *
     * @param sageMaker the request came on {@code /invocations}
     */
    private void infer(ChannelHandlerContext ctx, FullHttpRequest request, ServedModel served, boolean sageMaker) {
        long arrival = System.nanoTime();
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
        SessionBinding binding;
        AdapterBinding adapter = null;
        try {
            scheduling = SchedulingParameters.of(decoded.parameters());
            adapter = AdapterSelection.bind(served, AdapterSelection.name(request.headers().get(AdapterSelection.HEADER), decoded.parameters()));
            SessionIntent intent = SessionIntent.of(request.headers().get(SessionIntent.SESSION_ID_HEADER), decoded.parameters());
            binding = SessionBinding.bind(served, models.sessions(), intent);
            HttpAudit.note(ctx, served.name(), served.version(), adapter != null ? adapter.name() : null,
                    binding.session() != null ? binding.session().id() : null);
        } catch (RuntimeException e) {
            if (adapter != null) {
                adapter.release();
            }
            decoded.release();
            body.release();
            throw e;
        }
        InferenceExchange exchange = null;
        InferenceRequest inference;
        try {
            exchange = new InferenceExchange(ctx, request.retain(), body, decoded, encoder, SageMakerContract.SessionReply.of(binding),
                    sageMaker);
            inference = new InferenceRequest(decoded.id(), served.name(), served.version(), decoded.inputs(),
                    decoded.outputNames(), decoded.batchSize(), arrival, exchange, scheduling.priority(), scheduling.timeoutNs(), adapter);
        } catch (RuntimeException e) {
            if (adapter != null) {
                adapter.release();
            }
            binding.abandon();
            if (exchange != null) {
                exchange.discard();
            } else {
                decoded.release();
                body.release();
            }
            throw e;
        }
        ctx.channel().attr(IN_FLIGHT).set(new InFlight(binding.scheduler(), inference));
        try {
            binding.submit(inference);
        } catch (RuntimeException e) {
            // The scheduler refuses by failing the request, not by throwing; should one throw, the
            // caller still gets an answer and the exchange still frees what it holds.
            LOG.error("submitting a request of model '{}' failed", served.name(), e);
            inference.fail(e instanceof StatusException se ? se.status() : Status.internal("internal error: " + e.getClass().getSimpleName()));
        }
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

    /**
     * The length of the JSON part of a binary-extension body: {@code Inference-Header-Content-Length},
     * else Triton's SageMaker content type; -1 for a JSON body.
     */
    private static long jsonLength(FullHttpRequest request) {
        String value = request.headers().get(HttpReplies.INFERENCE_HEADER_CONTENT_LENGTH);
        if (value == null) {
            return SageMakerContract.tritonJsonHeaderSize(request.headers());
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
