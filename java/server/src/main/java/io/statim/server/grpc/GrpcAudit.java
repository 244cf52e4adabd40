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
                case INT64_PARAM -> Long.toString(p.getInt64Param());
                case UINT64_PARAM -> Long.toUnsignedString(p.getUint64Param());
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
                AuditLog.record("grpc", peer, "POST", method, noted.model, noted.version, noted.adapter, noted.session,
                        status.getCode().name(), System.nanoTime() - start);
                super.close(status, trailers);
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
        };
    }
}
