package dev.amend.runtime.ledger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.EditableModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A patch: a zip holding {@code patch.json} first (format, the base model's name and weights hash,
 * and one object per edit, as in the journal) and then each edit's deltas as
 * {@code edits/<sequence>-<id>.safetensors} (the same bytes as in the ledger directory).
 */
final class PatchFile {
    static final String FORMAT = "amend-patch";
    static final int VERSION = 1;
    private static final long MAX_JSON = 256L << 20;

    private PatchFile() {
    }

    /** One edit read from a patch, with its id, sequence and time in the ledger it came from. */
    record Item(String id, long sequence, String time, Edit edit, Map<String, Object> info) {
    }

    /** A patch read back. */
    record Contents(String model, String baseHash, List<Item> items) {
    }

    /** Writes {@code entries} of {@code model}'s ledger to {@code out} as a patch (the stream is finished, not closed). */
    static void write(OutputStream out, EditableModel model, List<LedgerEntry> entries) throws IOException {
        JsonObject head = new JsonObject();
        head.addProperty("format", FORMAT);
        head.addProperty("version", VERSION);
        head.addProperty("model", model.name());
        head.addProperty("base_hash", model.baseHash());
        head.addProperty("exported", Instant.now().toString());
        JsonArray edits = new JsonArray();
        List<byte[]> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (LedgerEntry e : entries) {
            EditCodec.Encoded enc = EditCodec.encode(e.edit(), e.info());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("amend_ledger_id", e.id());
            meta.put("amend_base_hash", model.baseHash());
            byte[] bytes = TensorBlob.encode(enc.tensors(), meta);
            String name = String.format("edits/%06d-%s.safetensors", e.sequence(), e.id());
            JsonObject r = new JsonObject();
            r.addProperty("id", e.id());
            r.addProperty("seq", e.sequence());
            r.addProperty("time", e.time().toString());
            r.addProperty("file", name);
            r.addProperty("file_bytes", bytes.length);
            r.addProperty("file_crc32c", TensorBlob.crc32c(bytes));
            enc.json().entrySet().forEach(x -> r.add(x.getKey(), x.getValue()));
            edits.add(r);
            files.add(bytes);
            names.add(name);
        }
        head.add("edits", edits);
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.putNextEntry(new ZipEntry("patch.json"));
        zip.write(head.toString().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        for (int i = 0; i < files.size(); i++) {
            zip.putNextEntry(new ZipEntry(names.get(i)));
            zip.write(files.get(i));
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    /**
     * Returns the patch read from {@code in}, holding at most {@code maxEntryBytes} of any one entry in memory (a
     * limit the caller derives from the base model's shapes): a declared size above it is refused before anything
     * is read, and an entry whose real stream runs past its declared size is refused at that byte.
     *
     * @throws InvalidRequestException saying what is wrong when the stream is not a complete, intact patch
     */
    static Contents read(InputStream in, long maxEntryBytes) throws IOException {
        ZipInputStream zip = new ZipInputStream(in);
        ZipEntry first = nextEntry(zip);
        if (first == null || !first.getName().equals("patch.json")) {
            throw new InvalidRequestException("not an Amend patch: a patch is a zip whose first entry is patch.json"
                    + (first == null ? " (the stream is empty or not a zip)" : " (found " + first.getName() + ")"));
        }
        JsonObject head = head(readLimited(zip, MAX_JSON, "patch.json"));
        Map<String, JsonObject> byFile = listedEdits(head, maxEntryBytes);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (ZipEntry ze = nextEntry(zip); ze != null; ze = nextEntry(zip)) {
            JsonObject r = byFile.get(ze.getName());
            if (r == null) {
                throw new InvalidRequestException("the patch holds " + ze.getName() + ", which patch.json does not list");
            }
            if (files.containsKey(ze.getName())) {
                throw new InvalidRequestException("the patch holds " + ze.getName() + " twice: refused (a patch holds"
                        + " each edit once)");
            }
            files.put(ze.getName(), readLimited(zip, r.get("file_bytes").getAsLong(), ze.getName()));
        }
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, JsonObject> e : byFile.entrySet()) {
            items.add(item(e.getKey(), e.getValue(), files.get(e.getKey())));
        }
        return new Contents(text(head, "model", "patch.json"), text(head, "base_hash", "patch.json"), items);
    }

    /** Returns the next entry of {@code zip}, or null at its end; a name that is not UTF-8 is refused. */
    private static ZipEntry nextEntry(ZipInputStream zip) throws IOException {
        try {
            return zip.getNextEntry();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("the patch is damaged: the name of one of its zip entries is not UTF-8");
        }
    }

    /** Returns patch.json parsed and checked for its format and version. */
    private static JsonObject head(byte[] json) {
        JsonObject head;
        try {
            JsonElement parsed = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new InvalidRequestException("the patch's patch.json is not a JSON object");
            }
            head = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new InvalidRequestException("the patch's patch.json is not a JSON object: " + cause.getMessage());
        }
        if (!head.has("format") || !head.get("format").isJsonPrimitive()
                || !FORMAT.equals(head.get("format").getAsString())) {
            throw new InvalidRequestException("not an Amend patch: patch.json has no \"format\": \"" + FORMAT + "\"");
        }
        long version = number(head, "version", "patch.json");
        if (version != VERSION) {
            throw new InvalidRequestException("the patch has version " + version + "; this version of Amend reads"
                    + " version " + VERSION);
        }
        return head;
    }

    /** Returns the edits patch.json lists, by file name, each checked for the fields the reader needs. */
    private static Map<String, JsonObject> listedEdits(JsonObject head, long maxEntryBytes) {
        if (!head.has("edits") || !head.get("edits").isJsonArray()) {
            throw new InvalidRequestException("the patch's patch.json has no \"edits\" list");
        }
        Map<String, JsonObject> byFile = new LinkedHashMap<>();
        Set<String> ids = new HashSet<>();
        int n = 0;
        for (JsonElement e : head.getAsJsonArray("edits")) {
            String where = "edit " + (++n) + " of patch.json";
            if (!e.isJsonObject()) {
                throw new InvalidRequestException(where + " is not a JSON object");
            }
            JsonObject r = e.getAsJsonObject();
            String id = text(r, "id", where);
            String file = text(r, "file", where);
            number(r, "seq", where);
            text(r, "time", where);
            text(r, "file_crc32c", where);
            long bytes = number(r, "file_bytes", where);
            if (bytes < 0 || bytes > maxEntryBytes) {
                throw new InvalidRequestException(where + " declares " + bytes + " bytes of deltas; an edit of this base"
                        + " model holds at most " + maxEntryBytes + " bytes");
            }
            if (!ids.add(id) || byFile.put(file, r) != null) {
                throw new InvalidRequestException(where + " repeats edit \"" + id + "\" (" + file + "): refused (a"
                        + " patch holds each edit once)");
            }
        }
        return byFile;
    }

    /** Returns the edit of one listed entry, checked against its declared size and checksum. */
    private static Item item(String file, JsonObject r, byte[] bytes) {
        if (bytes == null) {
            throw new InvalidRequestException("the patch lacks " + file + " (truncated?)");
        }
        String crc = TensorBlob.crc32c(bytes);
        if (bytes.length != r.get("file_bytes").getAsLong() || !crc.equals(r.get("file_crc32c").getAsString())) {
            throw new InvalidRequestException("the patch's " + file + " has " + bytes.length + " bytes and CRC32C "
                    + crc + ", patch.json says " + r.get("file_bytes") + " and " + r.get("file_crc32c")
                    + ": the patch is damaged");
        }
        EditCodec.Decoded d;
        try {
            d = EditCodec.decode(r, TensorBlob.decode(bytes));
        } catch (RuntimeException ex) {
            throw new InvalidRequestException("the patch's edit " + r.get("id") + " cannot be read: " + reason(ex));
        }
        return new Item(r.get("id").getAsString(), r.get("seq").getAsLong(), r.get("time").getAsString(), d.edit(),
                d.info());
    }

    /**
     * Returns why an entry could not be decoded: the sentence of the codec's own refusals (an
     * IllegalArgumentException or InvalidRequestException as such), else, for what the JSON library or a cast threw
     * (a missing field, a wrong JSON type), a sentence that names no Java class.
     */
    private static String reason(RuntimeException ex) {
        if ((ex.getClass() == IllegalArgumentException.class || ex instanceof InvalidRequestException)
                && ex.getMessage() != null) {
            return ex.getMessage();
        }
        return "a field of its entry in patch.json (requests, context_templates, deltas, method, method_version,"
                + " hyperparameters, metadata or info) is missing or has the wrong JSON type";
    }

    private static String text(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new InvalidRequestException(where + " has no \"" + key + "\" string");
        }
        return e.getAsString();
    }

    private static long number(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new InvalidRequestException(where + " has no \"" + key + "\" number");
        }
        double v = e.getAsDouble();
        if (v != Math.rint(v) || Math.abs(v) > 1e15) {
            throw new InvalidRequestException(where + ": \"" + key + "\" must be a whole number, got " + e);
        }
        return (long) v;
    }

    /** Returns the rest of {@code in}, refusing it at the first byte past {@code limit}. */
    private static byte[] readLimited(InputStream in, long limit, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, 1 << 20));
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total + 1))) > 0; ) {
            total += n;
            if (total > limit) {
                throw new InvalidRequestException("the patch's " + name + " is larger than its declared size ("
                        + limit + " bytes): the patch is damaged or crafted");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
