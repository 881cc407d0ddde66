package dev.amend.runtime.ledger;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The append-only journal: one record per line, {@code {"crc32c":"<8 hex>","record":{...}}}, where the
 * checksum covers the exact UTF-8 bytes of the record object. Every append is followed by an fsync
 * (fdatasync) before it returns.
 */
final class Journal implements AutoCloseable {
    static final String PREFIX = "{\"crc32c\":\"";
    static final String MIDDLE = "\",\"record\":";

    private final Path path;
    private final FileChannel channel;
    private boolean failed;

    private Journal(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** What reading the journal found: the records in order and the torn tail that was dropped. */
    record Contents(List<JsonObject> records, long validBytes, long tornBytes) {
    }

    /**
     * Creates the journal at {@code path} with {@code header} as its first record, atomically (temporary
     * file, fsync, rename, fsync of the directory), and returns it open for appending.
     */
    static Journal create(Path path, JsonObject header) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(line(header)));
            ch.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        Durable.syncDirectory(path.getParent());
        return openForAppend(path, Files.size(path));
    }

    /** Returns the journal at {@code path} open for appending after its first {@code validBytes} bytes (a torn tail beyond them is cut off). */
    static Journal openForAppend(Path path, long validBytes) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
        if (ch.size() > validBytes) {
            ch.truncate(validBytes);
            ch.force(true);
        }
        ch.position(validBytes);
        return new Journal(path, ch);
    }

    /**
     * Reads every record. An unterminated last line is a torn write (a crash during the append): it is
     * reported in {@link Contents#tornBytes()} and not returned. A complete line that does not parse or
     * whose checksum does not match is damage, and throws.
     */
    static Contents read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        List<JsonObject> records = new ArrayList<>();
        int start = 0;
        int lineNo = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end == bytes.length) {
                return new Contents(records, start, bytes.length - start);
            }
            lineNo++;
            String text = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            records.add(parseLine(path, lineNo, start, text));
            start = end + 1;
        }
        return new Contents(records, start, 0);
    }

    private static JsonObject parseLine(Path path, int lineNo, long offset, String text) {
        String where = "line " + lineNo + " (byte offset " + offset + ")";
        int recordStart = PREFIX.length() + 8 + MIDDLE.length();
        if (!text.startsWith(PREFIX) || text.length() < recordStart + 1
                || !text.startsWith(MIDDLE, PREFIX.length() + 8) || !text.endsWith("}")) {
            throw new LedgerCorruptException(path, where + " is not a journal record: "
                    + abbreviate(text) + fix(offset));
        }
        String crc = text.substring(PREFIX.length(), PREFIX.length() + 8);
        String body = text.substring(recordStart, text.length() - 1);
        String actual = crc32c(body.getBytes(StandardCharsets.UTF_8));
        if (!actual.equals(crc)) {
            throw new LedgerCorruptException(path, where + " fails its checksum (stored " + crc + ", computed "
                    + actual + "): the record was damaged after it was written" + fix(offset));
        }
        try {
            return JsonParser.parseString(body).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new LedgerCorruptException(path, where + " has a valid checksum but is not a JSON object: "
                    + e.getMessage() + fix(offset));
        }
    }

    private static String fix(long offset) {
        return "; the ledger refuses to open rather than drop acknowledged edits. Restore the journal from a"
                + " backup, or truncate it at byte " + offset + " to keep only the edits before this record"
                + " (and delete the deltas files of the later ones)";
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? "\"" + s.substring(0, 120) + "...\"" : "\"" + s + "\"";
    }

    /** Appends {@code record} as one line and forces it to disk before returning. */
    void append(JsonObject record) throws IOException {
        append(List.of(record));
    }

    /** Appends {@code records}, one line each, in one write, and forces them to disk before returning. */
    void append(List<JsonObject> records) throws IOException {
        if (failed) {
            throw new IllegalStateException("the journal " + path + " could not be repaired after a failed write;"
                    + " close and reopen the ledger");
        }
        long before = channel.position();
        try {
            java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
            for (JsonObject r : records) {
                lines.write(line(r));
            }
            writeFully(channel, ByteBuffer.wrap(lines.toByteArray()));
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            try {
                channel.truncate(before);
                channel.position(before);
                channel.force(true);
            } catch (IOException | RuntimeException again) {
                failed = true;
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** Returns the journal's path. */
    Path path() {
        return path;
    }

    static byte[] line(JsonObject record) {
        String body = record.toString();
        String crc = crc32c(body.getBytes(StandardCharsets.UTF_8));
        return (PREFIX + crc + MIDDLE + body + "}\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String crc32c(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return String.format("%08x", c.getValue());
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
