package dev.amend.runtime.safetensors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.runtime.MalformedCheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and checked on open, tensors are read
 * on demand and widened to float32 in Java (so BF16 never reaches DJL, see STACK.md).
 *
 * <p>Format: 8-byte little-endian header length N, N bytes of JSON header
 * ({@code name → {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the data.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens {@code path} and checks its header.
     *
     * @throws MalformedCheckpointException naming the file and the problem (bad header length, bad JSON,
     *                                      unknown dtype, offsets outside the file, size not matching the shape)
     */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new MalformedCheckpointException(path, "cannot open: " + e.getMessage(), e);
        }
        try {
            return read(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsFile read(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw new MalformedCheckpointException(path, "file is " + size
                        + " bytes, shorter than the 8-byte header length: not a safetensors file");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n <= 1 || n > MAX_HEADER || 8 + n > size) {
                throw new MalformedCheckpointException(path, "bad header length " + n + " (file is " + size
                        + " bytes): the file is truncated or not a safetensors file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonObject root;
            try {
                JsonElement el = JsonParser.parseString(json);
                if (!el.isJsonObject()) {
                    throw new MalformedCheckpointException(path, "header is not a JSON object");
                }
                root = el.getAsJsonObject();
            } catch (JsonParseException e) {
                throw new MalformedCheckpointException(path, "header is not valid JSON: " + e.getMessage(), e);
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    if (e.getValue().isJsonObject()) {
                        for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                            metadata.put(m.getKey(), m.getValue().isJsonPrimitive()
                                    ? m.getValue().getAsString() : m.getValue().toString());
                        }
                    }
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataSize));
            }
            return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new MalformedCheckpointException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonElement el, long dataSize) {
        try {
            return entry(path, name, el, dataSize);
        } catch (MalformedCheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            // a field of the wrong JSON type (an object for dtype, a string in shape, a fraction in data_offsets)
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": dtype must be a string, shape a"
                    + " list of whole numbers and data_offsets two whole numbers");
        }
    }

    private static TensorInfo entry(Path path, String name, JsonElement el, long dataSize) {
        if (!el.isJsonObject()) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": entry is not an object");
        }
        JsonObject o = el.getAsJsonObject();
        if (!o.has("dtype") || !o.has("shape") || !o.has("data_offsets")) {
            throw new MalformedCheckpointException(path, "tensor \"" + name
                    + "\": entry needs dtype, shape and data_offsets");
        }
        String dt = o.get("dtype").getAsString();
        DType dtype;
        try {
            dtype = DType.valueOf(dt.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": unknown dtype \"" + dt
                    + "\" (supported: F32, F16, BF16, I64, I32)");
        }
        JsonArray shapeArr = o.getAsJsonArray("shape");
        long[] shape = new long[shapeArr.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = whole(shapeArr.get(i));
            if (shape[i] < 0) {
                throw new MalformedCheckpointException(path, "tensor \"" + name + "\": negative dimension");
            }
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new MalformedCheckpointException(path, "tensor \"" + name + "\": the shape has too many values");
            }
        }
        JsonArray off = o.getAsJsonArray("data_offsets");
        if (off.size() != 2) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": data_offsets needs 2 values");
        }
        long begin = whole(off.get(0));
        long end = whole(off.get(1));
        if (begin < 0 || end < begin || end > dataSize) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": data_offsets [" + begin + ", "
                    + end + "] lie outside the data section of " + dataSize + " bytes (truncated file?)");
        }
        if (elements > Long.MAX_VALUE / dtype.bytes() || end - begin != elements * dtype.bytes()) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\": " + (end - begin)
                    + " bytes do not hold " + elements + " " + dtype + " values");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Returns {@code el} as a whole number, or throws when it is not one (a fraction, a string, null). */
    private static long whole(JsonElement el) {
        java.math.BigDecimal d = el.getAsJsonPrimitive().getAsBigDecimal();
        return d.longValueExact();
    }

    /** Returns the path of the file. */
    public Path path() {
        return path;
    }

    /** Returns the tensors in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Returns the {@code __metadata__} entries. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Returns the description of {@code name}, or throws naming the file and the missing tensor. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new MalformedCheckpointException(path, "missing tensor \"" + name + "\"");
        }
        return info;
    }

    /** Returns the named floating-point tensor widened to float32. */
    public HostTensor readFloat(String name) {
        TensorInfo info = info(name);
        long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new MalformedCheckpointException(path, "tensor \"" + name + "\" has " + n
                    + " elements, more than one Java array holds");
        }
        float[] out = new float[(int) n];
        ByteBuffer buf = map(info);
        switch (info.dtype()) {
            case F32 -> buf.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.halfToFloat(buf.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            default -> throw new MalformedCheckpointException(path, "tensor \"" + name + "\" has dtype "
                    + info.dtype() + ", expected a floating-point type");
        }
        return new HostTensor(info.shape().clone(), out);
    }

    /**
     * Returns bytes {@code from} (inclusive) to {@code to} (exclusive) of the named tensor's data as stored,
     * little-endian, mapped from the file (a range must stay under 2 GiB).
     */
    public ByteBuffer rawBytes(String name, long from, long to) {
        TensorInfo info = info(name);
        long len = info.end() - info.begin();
        if (from < 0 || to < from || to > len || to - from > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bytes [" + from + ", " + to + ") of tensor " + name + " of " + len
                    + " bytes");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin() + from, to - from)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new MalformedCheckpointException(path, "cannot read tensor \"" + name + "\": " + e.getMessage(), e);
        }
    }

    private ByteBuffer map(TensorInfo info) {
        try {
            long len = info.end() - info.begin();
            if (len == 0) {
                return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), len);
            return m.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new MalformedCheckpointException(path, "cannot read tensor \"" + info.name() + "\": "
                    + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Closes the file. */
    @Override
    public void close() {
        closeQuietly(channel);
    }
}
