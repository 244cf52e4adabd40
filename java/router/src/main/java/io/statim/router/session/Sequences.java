package io.statim.router.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the OIP sequence parameters ({@code sequence_id}, {@code sequence_start}) of an infer request
 * body, as cheaply as routing allows, with the server's meaning: a uint64 (as its decimal string) or a
 * string, where 0 and "" mean none.
 *
 * <ul>
 *   <li>REST: the JSON part of the body is searched for the bytes {@code "sequence_id"} first; only a
 *       body that has them is parsed (Jackson's streaming parser, skipping everything but the
 *       top-level {@code parameters} object). Malformed JSON reads as no sequence: the upstream will
 *       answer it with its own 400.</li>
 *   <li>gRPC: the head of the first {@code ModelInferRequest} message is walked field by field on the
 *       wire format; the scan stops at the first field after {@code parameters} (field 4), relying on
 *       protobuf encoders writing fields in field-number order, as every official one does. A
 *       compressed message is not read.</li>
 * </ul>
 * Stateless; any thread.
 */
public final class Sequences {
    /** An OIP sequence named by a request: its id, and whether the request starts it. */
    public record Sequence(String id, boolean start) {
    }

    /** What {@link #fromGrpc} answers while it needs more bytes to know (compare by identity). */
    public static final Sequence NEED_MORE = new Sequence("", false);

    private static final JsonFactory JSON = new JsonFactory();
    private static final ByteBuf NEEDLE = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("\"sequence_id\"".getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    private static final String SEQUENCE_ID = "sequence_id";
    private static final String SEQUENCE_START = "sequence_start";
    private static final int GRPC_PREFIX_BYTES = 5;
    private static final int PARAMETERS_FIELD = 4;

    private Sequences() {
    }

    /** The sequence named by a JSON infer body's readable bytes (the JSON part only), or null. */
    public static Sequence fromJson(ByteBuf json) {
        if (ByteBufUtil.indexOf(NEEDLE, json) < 0) {
            return null;
        }
        try (JsonParser p = JSON.createParser((InputStream) new ByteBufInputStream(json.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Sequence found = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("parameters".equals(name) && value == JsonToken.START_OBJECT) {
                    found = parameters(p);
                } else {
                    p.skipChildren();
                }
            }
            return found;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Sequence parameters(JsonParser p) throws IOException {
        String id = null;
        boolean start = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (SEQUENCE_ID.equals(name)) {
                if (value == JsonToken.VALUE_NUMBER_INT) {
                    id = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue().toString()
                            : idOf(p.getLongValue());
                } else if (value == JsonToken.VALUE_STRING) {
                    id = p.getText().isEmpty() ? null : p.getText();
                }
            } else if (SEQUENCE_START.equals(name)) {
                start = value == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return id == null ? null : new Sequence(id, start);
    }

    private static String idOf(long n) {
        return n == 0 ? null : Long.toUnsignedString(n);
    }

    /**
     * Looks at the head of a gRPC {@code ModelInferRequest} stream: the readable bytes of
     * {@code body} start at the first message's 5-byte prefix.
     *
     * @param end no more bytes will come
     * @return the sequence named, null when none is, or {@link #NEED_MORE}
     */
    public static Sequence fromGrpc(ByteBuf body, boolean end) {
        int base = body.readerIndex();
        int available = body.readableBytes();
        if (available < GRPC_PREFIX_BYTES) {
            return end ? null : NEED_MORE;
        }
        if (body.getByte(base) != 0) {
            return null;
        }
        long messageEnd = GRPC_PREFIX_BYTES + body.getUnsignedInt(base + 1);
        Cursor c = new Cursor(body, base, GRPC_PREFIX_BYTES, (int) Math.min(messageEnd, available));
        boolean complete = messageEnd <= available;
        String id = null;
        boolean start = false;
        while (c.pos < messageEnd) {
            long tag = c.varint();
            if (tag < 0) {
                return Cursor.incomplete(complete, end);
            }
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field > PARAMETERS_FIELD) {
                break;
            }
            if (field == PARAMETERS_FIELD && wire == 2) {
                long length = c.varint();
                if (length < 0 || !c.has(length)) {
                    return Cursor.incomplete(complete, end);
                }
                int entryEnd = c.pos + (int) length;
                Entry e = entry(c, entryEnd);
                c.pos = entryEnd;
                if (e != null && SEQUENCE_ID.equals(e.key)) {
                    id = e.id;
                } else if (e != null && SEQUENCE_START.equals(e.key)) {
                    start = e.flag;
                }
            } else if (!c.skip(wire)) {
                return Cursor.incomplete(complete, end);
            }
        }
        return id == null ? null : new Sequence(id, start);
    }

    /** A parameters map entry: key, and the value read as a sequence id or a flag. */
    private record Entry(String key, String id, boolean flag) {
    }

    private static Entry entry(Cursor c, int end) {
        String key = null;
        String id = null;
        boolean flag = false;
        while (c.pos < end) {
            long tag = c.varint();
            if (tag < 0) {
                return null;
            }
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                key = c.string();
            } else if (field == 2 && wire == 2) {
                long length = c.varint();
                if (length < 0 || !c.has(length)) {
                    return null;
                }
                int valueEnd = c.pos + (int) length;
                while (c.pos < valueEnd) {
                    long t = c.varint();
                    int f = (int) (t >>> 3);
                    int w = (int) (t & 7);
                    if (t < 0) {
                        return null;
                    }
                    if ((f == 2 || f == 5) && w == 0) {
                        id = idOf(c.varint());   // int64_param, uint64_param
                    } else if (f == 3 && w == 2) {
                        String s = c.string();     // string_param
                        id = s == null || s.isEmpty() ? null : s;
                    } else if (f == 1 && w == 0) {
                        flag = c.varint() != 0;    // bool_param
                    } else if (!c.skip(w)) {
                        return null;
                    }
                }
                c.pos = valueEnd;
            } else if (!c.skip(wire)) {
                return null;
            }
        }
        return key == null ? null : new Entry(key, id, flag);
    }

    /** A position in the readable bytes of a buffer, reading protobuf's wire format up to a limit. */
    private static final class Cursor {
        final ByteBuf buf;
        final int base;
        final int limit;
        int pos;

        Cursor(ByteBuf buf, int base, int pos, int limit) {
            this.buf = buf;
            this.base = base;
            this.pos = pos;
            this.limit = limit;
        }

        boolean has(long bytes) {
            return pos + bytes <= limit;
        }

        /** A varint, or -1 when it does not end before the limit (ids above 2^63 are negative: read them before use). */
        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= limit) {
                    return -1;
                }
                byte b = buf.getByte(base + pos++);
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            return -1;
        }

        String string() {
            long length = varint();
            if (length < 0 || !has(length)) {
                return null;
            }
            String s = buf.toString(base + pos, (int) length, StandardCharsets.UTF_8);
            pos += (int) length;
            return s;
        }

        boolean skip(int wire) {
            switch (wire) {
                case 0 -> {
                    while (pos < limit) {
                        if (buf.getByte(base + pos++) >= 0) {
                            return true;
                        }
                    }
                    return false;
                }
                case 1 -> {
                    pos += 8;
                }
                case 2 -> {
                    long length = varint();
                    if (length < 0) {
                        return false;
                    }
                    pos += (int) Math.min(length, Integer.MAX_VALUE - pos);
                }
                case 5 -> {
                    pos += 4;
                }
                default -> {
                    return false;
                }
            }
            return pos <= limit;
        }

        /** A truncated field: a complete message (or body) is malformed, else more bytes are needed. */
        static Sequence incomplete(boolean messageComplete, boolean end) {
            return messageComplete || end ? null : NEED_MORE;
        }
    }
}
