package io.statim.bench.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor.Marshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.Releasable;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.protocol.grpc.GrpcRequestDecoder;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.EncodedResponse;
import io.statim.protocol.oip.OipRequestDecoder;
import io.statim.protocol.oip.OipResponseEncoder;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.RequestValidator;
import io.statim.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The inference codecs' own cost per request, in time and in heap bytes allocated (run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is B/op), for each {@link Codec} and {@link Workload}.
 *
 * <p>What each figure includes:
 * <ul>
 *   <li>{@code decode}, REST ({@code JSON}, {@code BINARY}): {@link OipRequestDecoder#decode} of the body
 *       as the front end hands it over, a {@link MemorySegment} view of a direct Netty buffer (the view is
 *       made once; the front end's {@code RequestBody} makes it per request), validation included, then
 *       {@link DecodedRequest#release()} (JSON data lives in pooled STAGING buffers of a {@link HostDevice}).
 *   <li>{@code decode}, {@code PROTOBUF}: what grpc-java and {@link GrpcRequestDecoder} do with a
 *       {@code ModelInferRequest} in a direct buffer: the generated method's request marshaller parses it
 *       from a {@link KnownLength} stream (copying it into its thread-local array, then into the message's
 *       {@code ByteString}s), then {@link GrpcRequestDecoder#decode} and validation.
 *   <li>{@code encode}, REST: {@link OipResponseEncoder#encode} of a ready response into a buffer from
 *       {@link ByteBufAllocator#DEFAULT} (what {@code ctx.alloc()} is), then the buffer's release.
 *   <li>{@code encode}, {@code PROTOBUF}: what {@code UnaryInference} and grpc-java do: the request's
 *       {@code outputNames()}, {@code GrpcResponseEncoder.encode} (one {@code byte[]} copy per output), and
 *       serialization by the response marshaller into a buffer from the same allocator, as grpc-java's
 *       {@code MessageFramer} does (without the 5-byte frame header); then the buffer's release.
 *   <li>{@code copyFloor}: the least any codec does for the response: lease a buffer from the same
 *       allocator, copy the output bytes into it, release it. The comparison for {@code encode}.
 * </ul>
 * Not included anywhere: HTTP/2 framing, headers, routing, the scheduler. The response's outputs live
 * in OUTPUT buffers leased once per trial; every operation releases what it leases, and the tear-down
 * checks that the device has no live buffer left.
 *
 * <p>{@code GrpcResponseEncoder} is package-private; it is reached through a method handle made once,
 * which the JIT inlines like a direct call. Each JMH thread has its own state. How to run it and the
 * results: {@code bench/README.md}, {@code bench/results/codecs.md}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class CodecBenchmark {
    /** Where response bodies come from, as on the server's channels (no allocator is configured there). */
    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** The wire form of a request and its response. */
    public enum Codec {
        /** OIP REST, all JSON: inputs as {@code data} arrays, outputs answered as JSON arrays. */
        JSON,
        /** OIP REST with Triton's binary tensor extension: a JSON header, then the raw inputs; binary outputs. */
        BINARY,
        /** gRPC ModelInfer: inputs in {@code raw_input_contents}, outputs in {@code raw_output_contents}. */
        PROTOBUF
    }

    /** The request and the response that answers it. */
    public enum Workload {
        /** Triton's {@code simple}: INPUT0 = 0..15 and INPUT1 = 1s, [1,16] INT32; OUTPUT0 = sum, OUTPUT1 = difference. */
        INT32_1x16,
        /** One [1,128] INT64 input (token ids below 30522, as a BERT model's input_ids), answered with the same. */
        INT64_1x128
    }

    @Benchmark
    public long decode(CodecState s) {
        return s.wire.decode();
    }

    @Benchmark
    public long encode(CodecState s) {
        return s.wire.encode();
    }

    @Benchmark
    public long copyFloor(FloorState s) {
        ByteBuf body = ALLOC.buffer(s.outputBytes);
        for (ByteBuffer output : s.outputs) {
            body.writeBytes(output.clear());
        }
        int written = body.readableBytes();
        body.release();
        return written;
    }

    /** One codec over one workload. */
    @State(Scope.Thread)
    public static class CodecState {
        @Param
        public Codec codec;
        @Param
        public Workload shape;
        Fixture fixture;
        Wire wire;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new Fixture(shape);
            wire = codec == Codec.PROTOBUF ? new GrpcWire(fixture) : new RestWire(fixture, codec == Codec.BINARY);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            wire.close();
            fixture.close();
        }
    }

    /** The response's bytes, for {@link #copyFloor}. */
    @State(Scope.Thread)
    public static class FloorState {
        @Param
        public Workload shape;
        Fixture fixture;
        final List<ByteBuffer> outputs = new ArrayList<>();
        int outputBytes;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new Fixture(shape);
            for (Tensor t : fixture.response.outputs()) {
                outputs.add(t.data().asByteBuffer());
                outputBytes += (int) t.byteSize();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            fixture.close();
        }
    }

    /** A tensor's name, type, shape and elements; the elements of INT32 tensors fit in an int. */
    record Values(String name, DataType type, long[] shape, long[] elements) {
        byte[] littleEndian() {
            ByteBuffer out = ByteBuffer.allocate(elements.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            for (long e : elements) {
                switch (type) {
                    case INT32 -> out.putInt((int) e);
                    case INT64 -> out.putLong(e);
                    default -> throw new IllegalArgumentException(type + " is not used here");
                }
            }
            return out.array();
        }

        String configLine(String kind) {
            StringBuilder dims = new StringBuilder();
            for (int i = 1; i < shape.length; i++) { // without the batch dimension
                dims.append(i > 1 ? ", " : "").append(shape[i]);
            }
            return kind + " { name: \"" + name + "\" data_type: " + type.configName() + " dims: [ " + dims + " ] }\n";
        }

        static Values row(String name, DataType type, long[] elements) {
            return new Values(name, type, new long[] {1, elements.length}, elements);
        }
    }

    /** A model's inputs and outputs for one request, and the configuration that declares them. */
    record Model(String name, List<Values> inputs, List<Values> outputs) {
        static Model of(Workload workload) {
            return switch (workload) {
                case INT32_1x16 -> {
                    long[] a = LongStream.range(0, 16).toArray();
                    long[] b = LongStream.generate(() -> 1).limit(16).toArray();
                    long[] sum = LongStream.range(0, 16).map(i -> a[(int) i] + b[(int) i]).toArray();
                    long[] difference = LongStream.range(0, 16).map(i -> a[(int) i] - b[(int) i]).toArray();
                    yield new Model("simple",
                            List.of(Values.row("INPUT0", DataType.INT32, a), Values.row("INPUT1", DataType.INT32, b)),
                            List.of(Values.row("OUTPUT0", DataType.INT32, sum), Values.row("OUTPUT1", DataType.INT32, difference)));
                }
                case INT64_1x128 -> {
                    long[] ids = new SplittableRandom(42).longs(128, 0, 30522).toArray();
                    yield new Model("ids", List.of(Values.row("INPUT0", DataType.INT64, ids)),
                            List.of(Values.row("OUTPUT0", DataType.INT64, ids)));
                }
            };
        }

        ModelConfig config() {
            StringBuilder text = new StringBuilder("max_batch_size: 8\n");
            inputs.forEach(v -> text.append(v.configLine("input")));
            outputs.forEach(v -> text.append(v.configLine("output")));
            return ModelConfigParser.parse(text.toString(), "config.pbtxt", name);
        }
    }

    /**
     * What every codec shares for one workload: the model's configuration, a host device, and the
     * response (its outputs in OUTPUT buffers of the device, leased here and released by {@link #close}).
     */
    static final class Fixture implements AutoCloseable {
        final Model model;
        final ModelConfig config;
        final HostDevice device = new HostDevice();
        final RequestValidator validator = new RequestValidator(ServerConfig.DEFAULT_MAX_TENSOR_ELEMENTS);
        final InferenceResponse response;

        Fixture(Workload workload) {
            model = Model.of(workload);
            config = model.config();
            List<Tensor> outputs = new ArrayList<>();
            List<Releasable> memory = new ArrayList<>();
            for (Values v : model.outputs()) {
                byte[] bytes = v.littleEndian();
                DeviceBuffer buffer = device.allocate(bytes.length, MemoryUse.OUTPUT);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, buffer.segment(), 0, bytes.length);
                memory.add(buffer);
                outputs.add(new Tensor(v.name(), v.type(), Shape.of(v.shape()), buffer.segment()));
            }
            response = new InferenceResponse(model.name(), 1, "", outputs, memory);
        }

        /** Releases the response and fails when an operation left a buffer leased. */
        @Override
        public void close() {
            response.release();
            long live = device.liveBuffers();
            List<String> leaks = device.leakReport();
            device.close();
            if (live != 0) {
                throw new IllegalStateException(live + " device buffers leaked: " + leaks);
            }
        }
    }

    /** One codec's decode and encode over a fixture; holds a decoded request for the encoder. */
    abstract static class Wire implements AutoCloseable {
        /** Decodes the request from its wire bytes and releases it; returns its batch size. */
        abstract long decode();

        /** Encodes the fixture's response into wire bytes and releases them; returns their length. */
        abstract long encode();

        @Override
        public abstract void close();

        /** A direct buffer holding {@code bytes}, as the transport hands a request over. */
        static ByteBuf received(byte[] bytes) {
            return ALLOC.directBuffer(bytes.length).writeBytes(bytes);
        }
    }

    /** OIP REST, JSON or with the binary tensor extension. */
    static final class RestWire extends Wire {
        private static final JsonFactory JSON = new JsonFactory();

        private final Fixture f;
        private final OipRequestDecoder decoder;
        private final OipResponseEncoder encoder = new OipResponseEncoder();
        private final ByteBuf received;
        private final MemorySegment body;
        private final long jsonLength;
        private final DecodedRequest decoded;

        RestWire(Fixture f, boolean binary) {
            this.f = f;
            decoder = new OipRequestDecoder(f.validator);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = JSON.createGenerator(out)) {
                writeHeader(g, f.model, binary);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            jsonLength = binary ? out.size() : -1;
            if (binary) {
                f.model.inputs().forEach(v -> out.writeBytes(v.littleEndian()));
            }
            received = received(out.toByteArray());
            body = MemorySegment.ofBuffer(received.nioBuffer(0, received.readableBytes()));
            decoded = decoder.decode(body, jsonLength, f.config, f.device);
        }

        /** The JSON a Triton client writes: binary inputs carry binary_data_size, binary outputs binary_data. */
        private static void writeHeader(JsonGenerator g, Model model, boolean binary) throws IOException {
            g.writeStartObject();
            g.writeArrayFieldStart("inputs");
            for (Values v : model.inputs()) {
                g.writeStartObject();
                g.writeStringField("name", v.name());
                g.writeFieldName("shape");
                g.writeArray(v.shape(), 0, v.shape().length);
                g.writeStringField("datatype", v.type().wireName());
                if (binary) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", v.elements().length * v.type().byteSize());
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    g.writeArray(v.elements(), 0, v.elements().length);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("outputs");
            for (Values v : model.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", v.name());
                g.writeObjectFieldStart("parameters");
                g.writeBooleanField("binary_data", binary);
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }

        @Override
        long decode() {
            DecodedRequest request = decoder.decode(body, jsonLength, f.config, f.device);
            request.release();
            return request.batchSize();
        }

        @Override
        long encode() {
            EncodedResponse encoded = encoder.encode(f.response, decoded, ALLOC);
            long bytes = encoded.body().readableBytes();
            encoded.body().release();
            return bytes;
        }

        @Override
        public void close() {
            decoded.release();
            received.release();
        }
    }

    /** gRPC ModelInfer with raw contents, parsed and serialized by the generated method's marshallers. */
    static final class GrpcWire extends Wire {
        private static final MethodHandle ENCODE = grpcResponseEncoder();

        private final Fixture f;
        private final GrpcRequestDecoder decoder;
        private final Marshaller<ModelInferRequest> requests = GRPCInferenceServiceGrpc.getModelInferMethod().getRequestMarshaller();
        private final Marshaller<ModelInferResponse> responses = GRPCInferenceServiceGrpc.getModelInferMethod().getResponseMarshaller();
        private final ByteBuf received;
        private final ReceivedStream stream;
        private final BufferSink sink = new BufferSink();
        private final DecodedRequest decoded;

        GrpcWire(Fixture f) {
            this.f = f;
            decoder = new GrpcRequestDecoder(f.validator);
            ModelInferRequest.Builder message = ModelInferRequest.newBuilder().setModelName(f.model.name());
            for (Values v : f.model.inputs()) {
                ModelInferRequest.InferInputTensor.Builder in = message.addInputsBuilder()
                        .setName(v.name())
                        .setDatatype(v.type().wireName());
                for (long d : v.shape()) {
                    in.addShape(d);
                }
                message.addRawInputContents(ByteString.copyFrom(v.littleEndian()));
            }
            for (Values v : f.model.outputs()) {
                message.addOutputsBuilder().setName(v.name());
            }
            received = received(message.build().toByteArray());
            stream = new ReceivedStream(received.nioBuffer(0, received.readableBytes()));
            decoded = decoder.decode(requests.parse(stream.rewind()), f.config);
        }

        private static MethodHandle grpcResponseEncoder() {
            try {
                Class<?> encoder = Class.forName("io.statim.protocol.grpc.GrpcResponseEncoder");
                Method encode = encoder.getDeclaredMethod("encode", InferenceResponse.class, List.class);
                encode.setAccessible(true);
                return MethodHandles.lookup().unreflect(encode);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("GrpcResponseEncoder.encode(InferenceResponse, List) not found", e);
            }
        }

        @Override
        long decode() {
            DecodedRequest request = decoder.decode(requests.parse(stream.rewind()), f.config);
            request.release();
            return request.batchSize();
        }

        @Override
        long encode() {
            ModelInferResponse message;
            try {
                message = (ModelInferResponse) ENCODE.invokeExact(f.response, decoded.outputNames());
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            try {
                InputStream serialized = responses.stream(message);
                int bytes = serialized.available();
                sink.target = ALLOC.buffer(bytes);
                ((Drainable) serialized).drainTo(sink);
                sink.target.release();
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            received.release();
        }
    }

    /** The received message as grpc-netty hands it to the marshaller: a stream that knows its length. */
    static final class ReceivedStream extends InputStream implements KnownLength {
        private final ByteBuffer bytes;

        ReceivedStream(ByteBuffer bytes) {
            this.bytes = bytes;
        }

        ReceivedStream rewind() {
            bytes.clear();
            return this;
        }

        @Override
        public int available() {
            return bytes.remaining();
        }

        @Override
        public int read() {
            return bytes.hasRemaining() ? bytes.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (!bytes.hasRemaining()) {
                return -1;
            }
            int n = Math.min(length, bytes.remaining());
            bytes.get(into, offset, n);
            return n;
        }
    }

    /** An output stream into the current buffer, reused like grpc-java's framer reuses its adapter. */
    static final class BufferSink extends OutputStream {
        ByteBuf target;

        @Override
        public void write(int b) {
            target.writeByte(b);
        }

        @Override
        public void write(byte[] b, int offset, int length) {
            target.writeBytes(b, offset, length);
        }
    }
}
