package io.statim.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;

import java.util.List;

/**
 * Builds small ONNX models in code, for tests, benchmarks and the server's built-in models:
 * <pre>{@code
 * byte[] onnx = new OnnxGraphBuilder("add")
 *         .input("A", DataType.INT32, -1, 16).input("B", DataType.INT32, -1, 16)
 *         .node("Add", List.of("A", "B"), List.of("C"))
 *         .output("C", DataType.INT32, -1, 16)
 *         .toBytes();
 * }</pre>
 * A dimension of {@code -1} becomes a symbolic dimension: {@code "batch"} in position 0, else
 * {@code "dim<i>"}. Models use IR version {@value #IR_VERSION} and the default-domain opset
 * {@value #OPSET}. One builder per model; not thread-safe.
 */
public final class OnnxGraphBuilder {
    /** The ONNX IR version of built models (ONNX 1.10+; ONNX Runtime 1.29 loads it). */
    public static final int IR_VERSION = 8;
    /** The default-domain opset of built models. */
    public static final int OPSET = 17;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private int nodeCount;

    /** @param name the graph's name */
    public OnnxGraphBuilder(String name) {
        graph.setName(name);
    }

    /** Adds a graph input; no dims makes it a scalar. */
    public OnnxGraphBuilder input(String name, DataType type, long... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return this;
    }

    /** Adds a graph output; no dims makes it a scalar. */
    public OnnxGraphBuilder output(String name, DataType type, long... dims) {
        graph.addOutput(valueInfo(name, type, dims));
        return this;
    }

    /** Adds a node of the default domain; an empty input name leaves an optional input out. */
    public OnnxGraphBuilder node(String opType, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder()
                .setName(opType + "_" + nodeCount++)
                .setOpType(opType)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .addAllAttribute(List.of(attributes)));
        return this;
    }

    /**
     * Adds a node of the default domain under the given node name, e.g. the scoped names that
     * torch.onnx gives ({@code /encoder/layer.0/attention/self/query/MatMul}).
     */
    public OnnxGraphBuilder namedNode(String name, String opType, List<String> inputs, List<String> outputs,
                                      AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder()
                .setName(name)
                .setOpType(opType)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .addAllAttribute(List.of(attributes)));
        nodeCount++;
        return this;
    }

    /** Adds a constant tensor that nodes may read by its name. */
    public OnnxGraphBuilder initializer(TensorProto tensor) {
        graph.addInitializer(tensor);
        return this;
    }

    /** The graph alone, e.g. as the body of a {@code Loop} (see {@link #graphAttribute}). */
    public GraphProto graph() {
        return graph.build();
    }

    /** The model: this graph with the IR version, the opset and the producer set. */
    public ModelProto build() {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("statim")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    /** The serialized model, as ONNX Runtime reads it from a {@code .onnx} file. */
    public byte[] toBytes() {
        return build().toByteArray();
    }

    /** An int attribute. */
    public static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** An ints attribute, such as the {@code perm} of a {@code Transpose}. */
    public static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    /** A float attribute, such as the {@code epsilon} of a {@code LayerNormalization}. */
    public static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** A graph attribute, such as the {@code body} of a {@code Loop}. */
    public static AttributeProto graphAttribute(String name, GraphProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(value).build();
    }

    /** An FP32 constant tensor of the given dims, values in row-major order. */
    public static TensorProto floatTensor(String name, long[] dims, float... values) {
        TensorProto.Builder tensor = tensor(name, DataType.FP32, dims, values.length);
        for (float v : values) {
            tensor.addFloatData(v);
        }
        return tensor.build();
    }

    /** An INT64 constant tensor of the given dims, values in row-major order. */
    public static TensorProto int64Tensor(String name, long[] dims, long... values) {
        TensorProto.Builder tensor = tensor(name, DataType.INT64, dims, values.length);
        for (long v : values) {
            tensor.addInt64Data(v);
        }
        return tensor.build();
    }

    private static TensorProto.Builder tensor(String name, DataType type, long[] dims, int count) {
        long expected = Shape.of(dims).elementCount();
        if (expected != count) {
            throw new IllegalArgumentException("tensor '" + name + "' of dims " + Shape.of(dims) + " needs "
                    + expected + " values, got " + count);
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(OnnxDataTypes.toOnnx(type));
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor;
    }

    private static ValueInfoProto valueInfo(String name, DataType type, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (dims[i] == Shape.ANY) {
                dim.setDimParam(i == 0 ? "batch" : "dim" + i);
            } else if (dims[i] >= 0) {
                dim.setDimValue(dims[i]);
            } else {
                throw new IllegalArgumentException("dimension " + dims[i] + " of '" + name + "' must be >= 0 or -1");
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(OnnxDataTypes.toOnnx(type)).setShape(shape)))
                .build();
    }
}
