package io.statim.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.server.audit.AuditLog;
import java.net.SocketAddress;

/**
 * Writes each gRPC call's {@link AuditLog} line when the call closes: the peer, the method, the model
 * and version of its first message (ModelInfer's {@code model_name}/{@code model_version}, or the
 * {@code name} of the metadata, readiness, statistics and repository calls), the LoRA adapter and
 * session ({@code sequence_id}) of a ModelInferRequest, the status code and the latency. A
 * ModelStreamInfer call is one line, for its first request. Installed on the inference service when
 * the audit log is on. Thread-safe (one state per call).
 */
final class GrpcAudit implements ServerInterceptor {
    /** What a call's line says beyond the transport: from its first message. */
    private static final class Noted {
        volatile boolean seen;
        volatile String model;
        volatile String version;
        volatile String adapter;
        volatile String session;
        /** The status the service closed the call with; null while it has not (or never does: cancelled, failed in gRPC). */
        volatile Status status;
        final java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();

        void from(Object message) {
            seen = true;
            if (message instanceof ModelInferRequest r) {
                model = r.getModelName();
                version = r.getModelVersion();
                adapter = string(r.getParametersMap().get("adapter"));
                session = string(r.getParametersMap().get("sequence_id"));
            } else if (message instanceof Message m) {
                FieldDescriptor name = m.getDescriptorForType().findFieldByName("name");
                if (name == null) {
                    name = m.getDescriptorForType().findFieldByName("model_name");
                }
                if (name != null && name.getJavaType() == FieldDescriptor.JavaType.STRING) {
                    model = (String) m.getField(name);
                }
                FieldDescriptor v = m.getDescriptorForType().findFieldByName("version");
                if (v != null && v.getJavaType() == FieldDescriptor.JavaType.STRING) {
                    version = (String) m.getField(v);
                }
            }
        }

        private static String string(InferParameter p) {
            if (p == null) {
                return null;
            }
            return switch (p.getParameterChoiceCase()) {
                case STRING_PARAM -> p.getStringParam();
                // As SessionIntent reads them: 0 is no sequence, a negative int64 is the uint64 of its bits.
                case INT64_PARAM -> p.getInt64Param() == 0 ? null : Long.toUnsignedString(p.getInt64Param());
                case UINT64_PARAM -> p.getUint64Param() == 0 ? null : Long.toUnsignedString(p.getUint64Param());
                default -> null;
            };
        }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String method = call.getMethodDescriptor().getFullMethodName();
        Noted noted = new Noted();
        ServerCall<Q, R> audited = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                noted.status = status;
                super.close(status, trailers);
            }
        };
        // Written when the call ends, however it ends: a service's close, a cancel or deadline the service
        // never answers, a message that does not parse or a service that throws (grpc-java closes those
        // itself, never through ServerCall.close).
        java.util.function.Consumer<String> line = unclosed -> {
            if (noted.written.compareAndSet(false, true)) {
                Status status = noted.status;
                AuditLog.record("grpc", peer, "POST", method, noted.model, noted.version, noted.adapter, noted.session,
                        status != null ? status.getCode().name() : unclosed, System.nanoTime() - start);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(audited, headers)) {
            @Override
            public void onMessage(Q message) {
                if (!noted.seen) {
                    noted.from(message);
                }
                super.onMessage(message);
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    line.accept("UNKNOWN"); // completed without the service's close: grpc-java closed it on an error
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    line.accept("CANCELLED");
                }
            }
        };
    }
}
