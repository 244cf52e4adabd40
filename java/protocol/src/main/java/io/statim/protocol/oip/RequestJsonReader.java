package io.statim.protocol.oip;

import static io.statim.protocol.oip.Json.invalid;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.statim.core.device.Device;
import io.statim.core.device.Releasable;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON part of one inference request with Jackson's streaming parser: id, parameters,
 * inputs (JSON data decoded into staging memory as it streams by) and requested outputs. Fields the
 * protocol may add later are skipped.
 *
 * <p>One instance per request, on one thread. Ownership: every staging buffer it leases is added to
 * the {@code memory} list the caller passed in before anything is written to it, so the caller can
 * release all of them whether reading succeeds or throws.
 */
final class RequestJsonReader {
    /** A requested output, before the request's default for {@code binary_data} is known. */
    record PendingOutput(String name, Boolean binary) {
    }

    /** The one request parameter that is a uint64 (Triton's sequence id), so may exceed a long's positive range. */
    private static final String UINT64_PARAMETER = "sequence_id";
    private static final String DATATYPES = Arrays.toString(DataType.values()).replace(" ", "");

    private final MemorySegment json;
    private final Device device;
    private final long maxElements;
    private final List<Releasable> memory;
    private JsonParser p;

    String id = "";
    Map<String, Object> parameters = Map.of();
    final List<PendingInput> inputs = new ArrayList<>(4);
    final List<PendingOutput> outputs = new ArrayList<>(2);
    private boolean sawInputs;

    /**
     * @param json        the JSON part of the body
     * @param device      where JSON data is staged
     * @param maxElements the most elements one input may have; checked before anything is allocated
     * @param memory      receives every staging buffer leased
     */
    RequestJsonReader(MemorySegment json, Device device, long maxElements, List<Releasable> memory) {
        this.json = json;
        this.device = device;
        // Also keeps every byte size (elements x at most 8 bytes) within a long.
        this.maxElements = Math.min(maxElements, Long.MAX_VALUE / Long.BYTES);
        this.memory = memory;
    }

    /**
     * Reads the whole JSON part.
     *
     * @throws StatusException INVALID_ARGUMENT for a request that breaks the protocol, PAYLOAD_TOO_LARGE
     *     for an input over the element limit, RESOURCE_EXHAUSTED when staging memory runs out
     * @throws com.fasterxml.jackson.core.JsonProcessingException for malformed JSON
     */
    void read() throws IOException {
        try (JsonParser parser = Json.FACTORY.createParser(new SegmentInputStream(json))) {
            p = parser;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the request must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = string(value, "'id'");
                    case "parameters" -> parameters = readParameters(value);
                    case "inputs" -> readInputs(value);
                    case "outputs" -> readOutputs(value);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw invalid("the request has content after its JSON object, at line " + p.currentTokenLocation().getLineNr()
                        + ", column " + p.currentTokenLocation().getColumnNr());
            }
        }
        if (!sawInputs) {
            throw invalid("the request has no 'inputs' array");
        }
    }

    private Map<String, Object> readParameters(JsonToken token) throws IOException {
        expectObject(token, "the request's 'parameters'");
        Map<String, Object> out = new HashMap<>(8);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            out.put(key, scalar(p.nextToken(), key));
        }
        return out;
    }

    /** A request parameter's value: String, Long, Double or Boolean, as the protocol allows. */
    private Object scalar(JsonToken token, String key) throws IOException {
        return switch (token) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    java.math.BigInteger big = p.getBigIntegerValue();
                    if (key.equals(UINT64_PARAMETER) && big.signum() > 0 && big.bitLength() <= Long.SIZE) {
                        // A uint64 above 2^63 - 1, held in a long's bits as gRPC's uint64_param is.
                        yield big.longValue();
                    }
                    throw invalid("request parameter '" + key + "' is out of the range of a 64-bit integer");
                }
                long value = p.getLongValue();
                if (value < 0 && key.equals(UINT64_PARAMETER)) {
                    // Negative longs carry uint64 ids above 2^63 - 1; a negative JSON number is no id.
                    throw invalid("request parameter '" + key + "' must not be negative: it is an unsigned integer or a string");
                }
                yield value;
            }
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> throw invalid("request parameter '" + key + "' must be a string, number or boolean");
        };
    }

    private void readInputs(JsonToken token) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            throw invalid("'inputs' must be a JSON array");
        }
        sawInputs = true;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            PendingInput in = new PendingInput(inputs.size());
            expectObject(p.currentToken(), "input #", in.index);
            inputs.add(in);
            readInput(in);
        }
    }

    private void readInput(PendingInput in) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> in.name = string(value, "the name of input ", in);
                case "datatype" -> in.dataType = dataType(value, in);
                case "shape" -> readShape(value, in);
                case "parameters" -> readInputParameters(value, in);
                case "data" -> readData(value, in);
                default -> p.skipChildren();
            }
        }
        finishInput(in);
    }

    private DataType dataType(JsonToken value, PendingInput in) throws IOException {
        DataType type = DataType.fromWireName(string(value, "the datatype of input ", in));
        if (type == null) {
            String given = p.getText();
            throw invalid("input " + in.label() + " has datatype '" + (given.length() > 32 ? given.substring(0, 32) + "..." : given)
                    + "', which is not a datatype; expected one of " + DATATYPES);
        }
        return type;
    }

    private void readShape(JsonToken value, PendingInput in) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw badShape(in);
        }
        long[] dims = new long[8];
        int rank = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                throw badShape(in);
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, rank * 2);
            }
            dims[rank++] = p.getLongValue();
        }
        in.shape = Shape.of(Arrays.copyOf(dims, rank));
        long elements = in.shape.elementCount();
        if (elements < 0 || elements > maxElements) {
            throw new StatusException(Code.PAYLOAD_TOO_LARGE, "input " + in.label() + " has shape " + in.shape
                    + ", over the limit of " + maxElements + " elements per tensor");
        }
        in.elementCount = elements;
    }

    private void readInputParameters(JsonToken value, PendingInput in) throws IOException {
        expectObject(value, "the parameters of input ", in);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (key.equals("binary_data_size")) {
                if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        || p.getLongValue() < 0) {
                    throw invalid("binary_data_size of input " + in.label() + " must be a non-negative integer");
                }
                in.binaryDataSize = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
    }

    private void readData(JsonToken value, PendingInput in) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw invalid("'data' of input " + in.label() + " must be a JSON array");
        }
        in.hasJsonData = true;
        if (in.hasBinaryData()) {
            throw bothDataAndBinary(in);
        }
        if (in.canReadData()) {
            decodeData(p, in);
        } else {
            // The data came before the shape or datatype: note where it is and read it at the end.
            in.deferredDataOffset = p.currentTokenLocation().getByteOffset();
            p.skipChildren();
        }
    }

    private void finishInput(PendingInput in) throws IOException {
        if (in.name == null) {
            throw invalid("input #" + in.index + " has no 'name'");
        }
        if (in.shape == null) {
            throw invalid("input " + in.label() + " has no 'shape'");
        }
        if (in.dataType == null) {
            throw invalid("input " + in.label() + " has no 'datatype'");
        }
        if (in.hasJsonData && in.hasBinaryData()) {
            throw bothDataAndBinary(in);
        }
        if (!in.hasJsonData && !in.hasBinaryData()) {
            throw invalid("input " + in.label() + " has neither 'data' nor a binary_data_size parameter");
        }
        if (in.deferredDataOffset >= 0) {
            try (JsonParser again = Json.FACTORY.createParser(new SegmentInputStream(json.asSlice(in.deferredDataOffset)))) {
                again.nextToken();
                decodeData(again, in);
            }
        }
    }

    private void decodeData(JsonParser parser, PendingInput in) throws IOException {
        long bytes = in.dataType.isVariableLength()
                ? initialBytesCapacity(in.elementCount)
                : in.elementCount * in.dataType.byteSize();
        StagingBuffer staging = new StagingBuffer(device, bytes);
        memory.add(staging);
        long written = JsonDataReader.read(parser, in, staging);
        in.data = staging.segment().asSlice(0, written);
    }

    /**
     * A first guess at a BYTES input's size: its length prefixes plus, for the strings, no more than
     * the JSON holds (UTF-8 JSON never decodes to more bytes than it has) and a typical short string.
     */
    private long initialBytesCapacity(long elements) {
        return 4 * elements + Math.min(json.byteSize(), 64 * elements);
    }

    private void readOutputs(JsonToken token) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            throw invalid("'outputs' must be a JSON array");
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int index = outputs.size();
            expectObject(p.currentToken(), "output #", index);
            String name = null;
            Boolean binary = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> name = string(value, "the name of output #", index);
                    case "parameters" -> binary = readOutputParameters(value, index);
                    default -> p.skipChildren();
                }
            }
            if (name == null) {
                throw invalid("output #" + index + " has no 'name'");
            }
            outputs.add(new PendingOutput(name, binary));
        }
    }

    /** The output's {@code binary_data} parameter, or null when it has none. */
    private Boolean readOutputParameters(JsonToken value, int index) throws IOException {
        expectObject(value, "the parameters of output #", index);
        Boolean binary = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (key) {
                case "binary_data" -> {
                    if (!v.isBoolean()) {
                        throw invalid("binary_data of output #" + index + " must be true or false");
                    }
                    binary = v == JsonToken.VALUE_TRUE;
                }
                case "classification" -> throw invalid("classification extension is not supported");
                default -> p.skipChildren();
            }
        }
        return binary;
    }

    private String string(JsonToken token, String what) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw invalid(what + " must be a JSON string");
        }
        return p.getText();
    }

    private static void expectObject(JsonToken token, String what) {
        if (token != JsonToken.START_OBJECT) {
            throw invalid(what + " must be a JSON object");
        }
    }

    // The overloads below build their message only when they throw: a valid request allocates none.

    private String string(JsonToken token, String what, PendingInput in) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw invalid(what + in.label() + " must be a JSON string");
        }
        return p.getText();
    }

    private String string(JsonToken token, String what, int index) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw invalid(what + index + " must be a JSON string");
        }
        return p.getText();
    }

    private static void expectObject(JsonToken token, String what, PendingInput in) {
        if (token != JsonToken.START_OBJECT) {
            throw invalid(what + in.label() + " must be a JSON object");
        }
    }

    private static void expectObject(JsonToken token, String what, int index) {
        if (token != JsonToken.START_OBJECT) {
            throw invalid(what + index + " must be a JSON object");
        }
    }

    private static StatusException badShape(PendingInput in) {
        return invalid("the shape of input " + in.label() + " must be an array of non-negative integers");
    }

    private static StatusException bothDataAndBinary(PendingInput in) {
        return invalid("input " + in.label() + " has both 'data' and a binary_data_size parameter");
    }
}
