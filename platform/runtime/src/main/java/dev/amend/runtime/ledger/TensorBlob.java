package dev.amend.runtime.ledger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The float32 tensors of one ledger entry as the bytes of a standard safetensors file (8-byte header
 * length, JSON header, little-endian data), encoded and decoded in memory so the same bytes go to the
 * ledger directory and into patch files, with their CRC32C.
 */
final class TensorBlob {
    private TensorBlob() {
    }

    /** A named float32 tensor. */
    record Tensor(long[] shape, float[] data) {
    }

    /** Returns the safetensors bytes of {@code tensors} (sorted by name) with {@code metadata} in {@code __metadata__}. */
    static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        long floats = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            host.put(e.getKey(), new HostTensor(e.getValue().shape(), e.getValue().data()));
            floats += e.getValue().data().length;
        }
        if (4 * floats > Integer.MAX_VALUE - (1 << 20)) {
            throw new IllegalArgumentException("the deltas of one edit take " + 4 * floats
                    + " bytes; the ledger stores at most 2 GiB per edit");
        }
        return SafetensorsWriter.toBytes(host, metadata);
    }

    /**
     * Returns the tensors in {@code bytes} by name.
     *
     * @throws IllegalArgumentException saying what is wrong when the bytes are not a float32 safetensors file
     */
    static Map<String, Tensor> decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw new IllegalArgumentException("too short for a safetensors file (" + bytes.length + " bytes)");
        }
        long n = b.getLong();
        if (n < 2 || n > bytes.length - 8) {
            throw new IllegalArgumentException("bad header length " + n + " in a file of " + bytes.length + " bytes");
        }
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8).trim())
                .getAsJsonObject();
        int dataStart = 8 + (int) n;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            if (!t.get("dtype").getAsString().equals("F32")) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " is " + t.get("dtype").getAsString()
                        + ", the ledger stores F32 only");
            }
            JsonArray shapeJson = t.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                count *= shape[i];
            }
            JsonArray off = t.getAsJsonArray("data_offsets");
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            if (begin < 0 || end < begin || dataStart + end > bytes.length || end - begin != 4 * count) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has offsets [" + begin + ", " + end
                        + "] that do not fit its shape or the file");
            }
            float[] data = new float[(int) count];
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            slice.asFloatBuffer().get(data);
            out.put(e.getKey(), new Tensor(shape, data));
        }
        return out;
    }

    /** Returns the CRC32C of {@code bytes} as 8 hex digits. */
    static String crc32c(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return String.format("%08x", c.getValue());
    }
}
