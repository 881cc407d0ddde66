package dev.amend.runtime.safetensors;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/** Writes float32 tensors as a standard safetensors file, atomically (temporary file, fsync, rename). */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} (sorted by name) and {@code metadata} to {@code path}, replacing it atomically. */
    public static void write(Path path, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, HostTensor> sorted = new TreeMap<>(tensors);
        ByteBuffer head = ByteBuffer.wrap(header(sorted, metadata));
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (HostTensor t : sorted.values()) {
                float[] d = t.data();
                int i = 0;
                while (i < d.length) {
                    chunk.clear();
                    int n = Math.min(d.length - i, chunk.capacity() / 4);
                    chunk.asFloatBuffer().put(d, i, n);
                    chunk.limit(4 * n);
                    writeFully(ch, chunk);
                    i += n;
                }
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Returns the whole file for {@code tensors} (sorted by name) and {@code metadata} as bytes in memory (at most 2 GiB). */
    public static byte[] toBytes(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        Map<String, HostTensor> sorted = new TreeMap<>(tensors);
        byte[] head = header(sorted, metadata);
        long floats = 0;
        for (HostTensor t : sorted.values()) {
            floats += t.data().length;
        }
        long total = head.length + 4 * floats;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(total + " bytes do not fit in one array (at most 2 GiB)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head);
        for (HostTensor t : sorted.values()) {
            b.asFloatBuffer().put(t.data());
            b.position(b.position() + 4 * t.data().length);
        }
        return b.array();
    }

    /** Returns the 8-byte header length, the JSON header and its padding for tensors already sorted by name. */
    private static byte[] header(Map<String, HostTensor> sorted, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        metadata.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            t.add("shape", shape);
            JsonArray off = new JsonArray();
            long len = 4L * e.getValue().data().length;
            off.add(offset);
            off.add(offset + len);
            t.add("data_offsets", off);
            header.add(e.getKey(), t);
            offset += len;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        return head.array();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
