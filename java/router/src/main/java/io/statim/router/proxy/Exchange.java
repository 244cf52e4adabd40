package io.statim.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.router.proxy.ProxyCounters.LocalReply;
import io.statim.router.session.RoutedSessionIds;
import io.statim.router.session.Sequences;
import io.statim.router.session.Sequences.Sequence;
import io.statim.router.upstream.FailureKind;
import io.statim.router.upstream.Upstream;
import io.statim.router.upstream.UpstreamConnection;
import java.util.ArrayDeque;

/**
 * One client request proxied to one upstream stream: placement, the request streamed up, the response
 * streamed down, and the one answer every request gets.
 *
 * <p>Placement, in order: a session header (SageMaker's {@code X-Amzn-SageMaker-Session-Id}, also read
 * from gRPC metadata) names its upstream ({@link RoutedSessionIds}) or, as {@code NEW_SESSION}, asks
 * the strategy; an infer request without one is read for an OIP {@code sequence_id} (the JSON part of a
 * REST body, the head of a gRPC message: buffered until known, then sent on) and a sequence goes to
 * its rendezvous owner; everything else goes where the strategy says. A session or sequence whose
 * upstream is unknown, out of rotation or unreachable is answered 400 (a sequence start 503), never
 * placed elsewhere: no other upstream has its state.
 *
 * <p>Delivery: a request that could not reach its upstream (no connection, the stream could not be
 * opened) is placed once more by the strategy on another upstream, unless a session or sequence pins
 * it; once its headers went out it is never resent. Every exchange ends exactly once ({@link #finish}):
 * with the upstream's response, with an error of the router's own (502 reset before the response, 503
 * refused or unreachable, 504 timed out), with the response cut off visibly ({@link Front#abort}), or
 * because the client went away (the upstream stream is then reset, which cancels the request there).
 *
 * <p>Threads: everything runs on the front's event loop, which is also the loop of the upstream
 * connection used ({@link Upstream#connection} by loop slot): no locks, no hand-over. The exchange is
 * also the handler of its upstream stream. Ownership: every body buffer handed in is written on or
 * released here; the response's buffers go to the front.
 */
final class Exchange extends ChannelInboundHandlerAdapter implements UpstreamConnection.StreamListener {
    /** A request that could not reach its first upstream is placed once more. */
    private static final int MAX_ATTEMPTS = 2;
    private static final int MAX_ID_IN_MESSAGE = 80;

    /** Why the request went where it went; decides retries and the errors of an unavailable upstream. */
    private enum Placement {
        /** The strategy's choice (also NEW_SESSION): may be retried elsewhere. */
        BALANCED,
        /** A session named by the header: its upstream only. */
        SESSION,
        /** An OIP sequence's rendezvous owner. */
        SEQUENCE,
        /** The start of an OIP sequence at its rendezvous owner. */
        SEQUENCE_START
    }

    private final RouterContext router;
    private final Front front;
    private final int slot;
    private final boolean grpc;
    private final Http2Headers request;
    private final boolean sageMaker;

    private Placement placement = Placement.BALANCED;
    private String pinnedBy;
    private Upstream upstream;
    private Upstream failedUpstream;
    private int attempts;
    private boolean attemptOpen;
    private long placedNanos;

    private CompositeByteBuf peeked;
    private int jsonPartBytes = -1;
    private ArrayDeque<Object> pending;
    private boolean requestEnded;

    private Http2StreamChannel stream;
    // LoopTimeouts' intrusive list, while waiting for the response
    long deadlineNanos;
    Exchange timeoutPrev;
    Exchange timeoutNext;
    boolean timeoutLinked;
    /** Inside a read of the front: its read-complete will flush what is written up (one write instead of two). */
    private boolean frontReading;
    private boolean responseStarted;
    private int responseStatus;
    private boolean done;

    Exchange(RouterContext router, Front front, int slot, boolean grpc, Http2Headers request) {
        this.router = router;
        this.front = front;
        this.slot = slot;
        this.grpc = grpc;
        this.request = request;
        CharSequence path = request.path();
        this.sageMaker = !grpc && path != null && Paths.isInvocations(Paths.withoutQuery(path));
    }

    /** True once the exchange has ended; later body pieces are dropped. */
    boolean isDone() {
        return done;
    }

    // ---------------------------------------------------------------- client side

    /** The request's headers arrived: place it, or start reading its body to place it. */
    void start(boolean endStream) {
        requestEnded = endStream;
        frontReading = true;
        CharSequence path = request.path();
        if (path == null) {
            replyAndFinish(Status.invalidArgument("request without :path"), LocalReply.UPSTREAM_FAILED);
            return;
        }
        if (!grpc && Local.handles(request)) {
            Local.reply(router, front, request);
            finish();
            return;
        }
        CharSequence session = request.get(Headers.SESSION_ID);
        if (session != null) {
            placeBySession(session.toString().strip());
        } else if (readsBodyToPlace(path)) {
            peeked = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
            jsonPartBytes = grpc ? -1 : Paths.jsonPartBytes(request);
            if (endStream) {
                peekDone();
            }
        } else {
            placeBalanced();
        }
    }

    private boolean readsBodyToPlace(CharSequence path) {
        String p = Paths.withoutQuery(path);
        return grpc ? Paths.isGrpcInfer(p) : Paths.isRestInfer(request.method(), p);
    }

    /** A piece of the request body; the exchange owns {@code data}. */
    void onRequestData(ByteBuf data, boolean endStream) {
        if (done) {
            data.release();
            return;
        }
        frontReading = true;
        requestEnded |= endStream;
        if (peeked != null) {
            peeked.addComponent(true, data);
            peek();
            return;
        }
        if (stream != null) {
            stream.write(new DefaultHttp2DataFrame(data, endStream));
            if (!stream.isWritable()) {
                front.setReadable(false);
            }
        } else if (data.isReadable() || !endStream || pending != null) {
            pending().add(data);
        } else {
            data.release();   // an empty end of a body: the headers will carry endStream
        }
    }

    /** The request's trailers (gRPC clients may send them); they end the request. */
    void onRequestTrailers(Http2Headers trailers) {
        if (done) {
            return;
        }
        requestEnded = true;
        if (peeked != null) {
            pending().add(trailers);
            peek();
            return;
        }
        if (stream != null) {
            stream.write(new DefaultHttp2HeadersFrame(trailers, true));
        } else {
            pending().add(trailers);
        }
    }

    /** The front read everything it had: send it on. */
    void flushRequest() {
        frontReading = false;
        if (stream != null) {
            stream.flush();
        }
    }

    /** The client went away (connection closed, stream reset): reset the upstream stream, which cancels the request there. */
    void onFrontClosed() {
        if (done) {
            return;
        }
        endAttempt(null, true);
        finish();
        if (stream != null) {
            stream.close();
        }
    }

    /** The client takes response bytes again. */
    void onFrontWritable() {
        if (stream != null && !done) {
            stream.config().setAutoRead(true);
        }
    }

    // ---------------------------------------------------------------- placement

    private void placeBySession(String id) {
        if (Headers.NEW_SESSION.equals(id)) {
            placeBalanced();
            return;
        }
        RoutedSessionIds.Decoded decoded = RoutedSessionIds.decode(id);
        if (decoded == null) {
            replyAndFinish(Status.invalidArgument(Headers.SESSION_ID_NAME + " '" + shorten(id)
                    + "' was not issued by this router: its ids are <base32 of the upstream host:port>-<the upstream's id>;"
                    + " send NEW_SESSION to open a session through the router"), LocalReply.BAD_SESSION_ID);
            return;
        }
        pinnedBy = "session '" + shorten(id) + "'";
        Upstream u = router.upstreams().find(decoded.upstreamKey());
        if (u == null) {
            replyAndFinish(Status.of(Code.FAILED_PRECONDITION, pinnedBy + " belongs to upstream " + decoded.upstreamKey()
                    + ", which this router does not know (any more); its state is not available elsewhere: open a new session"),
                    LocalReply.SESSION_UNAVAILABLE);
            return;
        }
        if (!u.inRotation()) {
            replyAndFinish(Status.of(Code.FAILED_PRECONDITION, pinnedBy + " belongs to upstream " + u.key()
                    + ", which is out of rotation (" + (u.health().checksPass() ? "ejected after failed requests" : "health checks fail")
                    + "); its state is not available elsewhere: open a new session"), LocalReply.SESSION_UNAVAILABLE);
            return;
        }
        request.set(Headers.SESSION_ID, decoded.upstreamId());
        placement = Placement.SESSION;
        send(u);
    }

    private void placeBalanced() {
        long t0 = System.nanoTime();
        Upstream u = router.balancer().pick(router.upstreams().rotation(), failedUpstream);
        router.counters().decisions().record(System.nanoTime() - t0);
        if (u == null) {
            String why = failedUpstream == null ? "no upstream is in rotation"
                    : "cannot reach upstream " + failedUpstream.key() + " and no other upstream is in rotation";
            replyAndFinish(Status.unavailable(why), failedUpstream == null ? LocalReply.NO_UPSTREAM : LocalReply.CONNECT_FAILED);
            return;
        }
        send(u);
    }

    private void placeBySequence(Sequence sequence) {
        long t0 = System.nanoTime();
        Upstream u = router.upstreams().owner(sequence.id());
        router.counters().decisions().record(System.nanoTime() - t0);
        pinnedBy = "sequence '" + shorten(sequence.id()) + "'";
        if (u == null) {
            replyAndFinish(Status.unavailable("no upstream is known"), LocalReply.NO_UPSTREAM);
            return;
        }
        if (!u.inRotation()) {
            String why = pinnedBy + " belongs to upstream " + u.key() + " (rendezvous hash over the " + router.upstreams().all().length
                    + " upstreams), which is out of rotation";
            if (sequence.start()) {
                replyAndFinish(Status.unavailable(why + "; retry later or start the sequence under another id"), LocalReply.SESSION_UNAVAILABLE);
            } else {
                replyAndFinish(Status.of(Code.FAILED_PRECONDITION, why + "; its state is not available elsewhere"),
                        LocalReply.SESSION_UNAVAILABLE);
            }
            return;
        }
        placement = sequence.start() ? Placement.SEQUENCE_START : Placement.SEQUENCE;
        send(u);
    }

    /** Reads the buffered head of the body; places the request once it knows enough. */
    private void peek() {
        int max = router.config().maxBufferedBytes();
        if (grpc) {
            Sequence s = Sequences.fromGrpc(peeked, requestEnded);
            if (s == Sequences.NEED_MORE) {
                if (peeked.readableBytes() > max) {
                    peekDone(null);   // a head that large names no sequence we can read: place it by strategy
                }
                return;
            }
            peekDone(s);
            return;
        }
        int need = jsonPartBytes >= 0 ? jsonPartBytes : Integer.MAX_VALUE;
        if (Math.min(need, peeked.readableBytes()) > max) {
            replyAndFinish(Status.of(Code.PAYLOAD_TOO_LARGE, "the JSON part of this infer request is larger than the router reads to place it ("
                    + max + " bytes, --max-buffered-bytes); send large tensors in the binary extension"), LocalReply.TOO_LARGE);
            return;
        }
        if (requestEnded || peeked.readableBytes() >= need) {
            peekDone();
        }
    }

    private void peekDone() {
        if (grpc) {
            peekDone(Sequences.fromGrpc(peeked, true));
            return;
        }
        int length = jsonPartBytes >= 0 ? Math.min(jsonPartBytes, peeked.readableBytes()) : peeked.readableBytes();
        peekDone(Sequences.fromJson(peeked.slice(peeked.readerIndex(), length)));
    }

    private void peekDone(Sequence sequence) {
        CompositeByteBuf body = peeked;
        peeked = null;
        ArrayDeque<Object> rest = pending;
        pending = new ArrayDeque<>(2);
        pending.add(body);
        if (rest != null) {
            pending.addAll(rest);   // trailers that came with the body
        }
        if (sequence == null) {
            placeBalanced();
        } else {
            placeBySequence(sequence);
        }
    }

    private void send(Upstream u) {
        upstream = u;
        attempts++;
        attemptOpen = true;
        placedNanos = System.nanoTime();
        u.requestStarted();
        u.connection(slot, grpc).openStream(this, this);
    }

    @Override
    public void streamOpened(Http2StreamChannel s) {
        if (done) {
            s.close();
            return;
        }
        boolean endWithHeaders = requestEnded && (pending == null || pending.isEmpty());
        ChannelFuture headers = s.write(new DefaultHttp2HeadersFrame(request, endWithHeaders));
        if (headers.isDone() && !headers.isSuccess()) {
            // The stream is created when its headers are written; they were not (stream limit, GOAWAY): not sent.
            s.close();
            notReached(headers.cause());
            return;
        }
        stream = s;
        if (pending != null) {
            Object item;
            while ((item = pending.poll()) != null) {
                if (item instanceof ByteBuf data) {
                    s.write(new DefaultHttp2DataFrame(data, requestEnded && pending.isEmpty()));
                } else {
                    s.write(new DefaultHttp2HeadersFrame((Http2Headers) item, true));
                }
            }
        }
        if (frontReading) {
            // The front's read-complete flushes this with the body that follows in the same read; the task is
            // the safety net for a read-complete that never comes (a FlowControlHandler holding pipelined requests).
            s.eventLoop().execute(this::flushRequest);
        } else {
            s.flush();
        }
        if (!grpc && !responseStarted) {
            router.timeouts(slot).add(this);
        }
        if (!s.isWritable()) {
            front.setReadable(false);
        }
    }

    @Override
    public void streamFailed(Throwable cause) {
        notReached(cause);
    }

    /** Nothing of the request reached the upstream: place it once more, unless it is pinned. */
    private void notReached(Throwable cause) {
        Upstream u = upstream;
        endAttempt(FailureKind.CONNECT, false);
        if (done) {
            return;
        }
        String why = cause == null ? "connection failed" : String.valueOf(cause.getMessage());
        if (placement == Placement.BALANCED && attempts < MAX_ATTEMPTS) {
            failedUpstream = u;
            router.counters().retried();
            placeBalanced();
        } else if (placement == Placement.SESSION || placement == Placement.SEQUENCE) {
            replyAndFinish(Status.of(Code.FAILED_PRECONDITION, pinnedBy + " belongs to upstream " + u.key()
                    + ", which cannot be reached (" + why + "); its state is not available elsewhere"), LocalReply.SESSION_UNAVAILABLE);
        } else {
            replyAndFinish(Status.unavailable("cannot reach upstream " + u.key() + " (" + why + ")"
                    + (attempts > 1 ? " after placing the request a second time" : "")), LocalReply.CONNECT_FAILED);
        }
    }

    // ---------------------------------------------------------------- upstream side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel() != stream || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (msg) {
            case Http2HeadersFrame h -> onResponseHeaders(h);
            case Http2DataFrame d -> {
                front.responseData(d.content(), d.isEndStream());
                if (d.isEndStream()) {
                    complete();
                } else if (!front.isWritable()) {
                    stream.config().setAutoRead(false);
                }
            }
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private void onResponseHeaders(Http2HeadersFrame frame) {
        Http2Headers h = frame.headers();
        if (responseStarted) {
            front.responseTrailers(h);
            complete();
            return;
        }
        responseStatus = Headers.status(h);
        if (responseStatus >= 100 && responseStatus < 200) {
            return;   // informational (100 Continue): the router answered Expect itself
        }
        responseStarted = true;
        router.timeouts(slot).remove(this);
        Headers.encodeSessionIds(h, upstream.key());
        front.responseHeaders(h, frame.isEndStream());
        if (frame.isEndStream()) {
            complete();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ctx.channel() == stream) {
            front.flush();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (ctx.channel() == stream) {
            if (evt instanceof Http2ResetFrame reset) {
                boolean refused = reset.errorCode() == Http2Error.REFUSED_STREAM.code();
                upstreamFailed(refused ? FailureKind.REFUSED : FailureKind.RESET,
                        refused ? "refused the request (REFUSED_STREAM); it was not processed" : "reset the request (HTTP/2 error " + reset.errorCode() + ")");
            } else if (evt instanceof Http2GoAwayFrame goAway) {
                // Netty tells only the streams above the GOAWAY's last stream id: the upstream never saw them.
                upstreamFailed(FailureKind.REFUSED, "is going away (GOAWAY) and did not process the request");
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() == stream) {
            upstreamFailed(FailureKind.RESET, "closed the connection before the response ended");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel() == stream && stream.isWritable() && !done) {
            front.setReadable(true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() == stream) {
            upstreamFailed(FailureKind.RESET, "failed: " + cause.getClass().getSimpleName());
        }
        ctx.close();
    }

    /** No response started within the upstream timeout (called by {@link LoopTimeouts}). */
    void timedOut() {
        if (done || responseStarted) {
            return;
        }
        Upstream u = upstream;
        endAttempt(FailureKind.TIMEOUT, false);
        replyAndFinish(Status.of(Code.DEADLINE_EXCEEDED, "upstream " + u.key() + " did not answer within "
                + router.config().upstreamTimeoutMs() + " ms (--upstream-timeout-ms)"), LocalReply.TIMEOUT);
        stream.close();   // resets the stream: the upstream cancels the request if it has not started
    }

    /** The upstream stream ended before the response did. */
    private void upstreamFailed(FailureKind kind, String what) {
        if (done) {
            return;
        }
        Upstream u = upstream;
        endAttempt(kind, false);
        if (!responseStarted) {
            Status status = kind == FailureKind.REFUSED ? Status.unavailable("upstream " + u.key() + " " + what)
                    : Status.of(Code.BAD_GATEWAY, "upstream " + u.key() + " " + what + "; the request may have been processed");
            replyAndFinish(status, LocalReply.UPSTREAM_FAILED);
        } else {
            router.counters().replied(LocalReply.UPSTREAM_FAILED);
            front.abort(Status.of(Code.BAD_GATEWAY, "upstream " + u.key() + " " + what));
            finish();
        }
    }

    /** The upstream's response ended. */
    private void complete() {
        // Ended before the flush, so that a client that has its answer never sees it still counted in flight.
        boolean failedStatus = responseStatus >= 500 && responseStatus != 503;
        endAttempt(failedStatus ? FailureKind.STATUS_5XX : null, false);
        // Flushed here: a stream that ends with this read closes before Netty would tell it the read completed.
        front.flush();
        finish();
        if (!requestEnded && stream != null) {
            stream.close();   // answered before the body ended (an early error): stop sending the rest
        }
    }

    // ---------------------------------------------------------------- the end

    /**
     * Ends the current attempt on its upstream: in-flight count, counters, passive health.
     *
     * @param failure   why it failed, or null
     * @param cancelled the client went away: neither a failure nor a latency
     */
    private void endAttempt(FailureKind failure, boolean cancelled) {
        if (!attemptOpen) {
            return;
        }
        attemptOpen = false;
        if (cancelled) {
            upstream.requestCancelled();
            return;
        }
        long now = System.nanoTime();
        if (upstream.requestEnded(failure, now - placedNanos, now)) {
            router.upstreams().refresh(now);
        }
    }

    private void replyAndFinish(Status status, LocalReply reason) {
        router.counters().replied(reason);
        front.replyError(status, sageMaker);
        finish();
    }

    /** Ends the exchange once (its attempt was ended before): buffers, the timeout, the front. */
    private void finish() {
        if (done) {
            return;
        }
        done = true;
        router.timeouts(slot).remove(this);
        if (peeked != null) {
            peeked.release();
            peeked = null;
        }
        if (pending != null) {
            for (Object item : pending) {
                ReferenceCountUtil.release(item);
            }
            pending.clear();
        }
        front.exchangeDone();
    }

    private ArrayDeque<Object> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        return pending;
    }

    private static String shorten(String id) {
        return id.length() <= MAX_ID_IN_MESSAGE ? id : id.substring(0, MAX_ID_IN_MESSAGE) + "...";
    }
}
