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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * Returns the patch read from {@code in}.
     *
     * @throws InvalidRequestException saying what is wrong when the stream is not a complete, intact patch
     */
    static Contents read(InputStream in) throws IOException {
        ZipInputStream zip = new ZipInputStream(in);
        ZipEntry first = zip.getNextEntry();
        if (first == null || !first.getName().equals("patch.json")) {
            throw new InvalidRequestException("not an Amend patch: a patch is a zip whose first entry is patch.json"
                    + (first == null ? " (the stream is empty or not a zip)" : " (found " + first.getName() + ")"));
        }
        JsonObject head;
        try {
            head = JsonParser.parseString(new String(readLimited(zip, MAX_JSON), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new InvalidRequestException("the patch's patch.json is not a JSON object: " + e.getMessage());
        }
        if (!head.has("format") || !FORMAT.equals(head.get("format").getAsString())) {
            throw new InvalidRequestException("not an Amend patch: patch.json has no \"format\": \"" + FORMAT + "\"");
        }
        if (head.get("version").getAsInt() != VERSION) {
            throw new InvalidRequestException("the patch has version " + head.get("version")
                    + "; this version of Amend reads version " + VERSION);
        }
        Map<String, JsonObject> byFile = new LinkedHashMap<>();
        for (JsonElement e : head.getAsJsonArray("edits")) {
            JsonObject r = e.getAsJsonObject();
            byFile.put(r.get("file").getAsString(), r);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (ZipEntry ze = zip.getNextEntry(); ze != null; ze = zip.getNextEntry()) {
            JsonObject r = byFile.get(ze.getName());
            if (r == null) {
                throw new InvalidRequestException("the patch holds " + ze.getName() + ", which patch.json does not list");
            }
            files.put(ze.getName(), readLimited(zip, r.get("file_bytes").getAsLong()));
        }
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, JsonObject> e : byFile.entrySet()) {
            JsonObject r = e.getValue();
            byte[] bytes = files.get(e.getKey());
            if (bytes == null) {
                throw new InvalidRequestException("the patch lacks " + e.getKey() + " (truncated?)");
            }
            String crc = TensorBlob.crc32c(bytes);
            if (bytes.length != r.get("file_bytes").getAsLong() || !crc.equals(r.get("file_crc32c").getAsString())) {
                throw new InvalidRequestException("the patch's " + e.getKey() + " has " + bytes.length
                        + " bytes and CRC32C " + crc + ", patch.json says " + r.get("file_bytes") + " and "
                        + r.get("file_crc32c") + ": the patch is damaged");
            }
            EditCodec.Decoded d;
            try {
                d = EditCodec.decode(r, TensorBlob.decode(bytes));
            } catch (RuntimeException ex) {
                throw new InvalidRequestException("the patch's edit " + r.get("id") + " cannot be read: " + ex.getMessage());
            }
            items.add(new Item(r.get("id").getAsString(), r.get("seq").getAsLong(), r.get("time").getAsString(),
                    d.edit(), d.info()));
        }
        return new Contents(head.get("model").getAsString(), head.get("base_hash").getAsString(), items);
    }

    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) {
                throw new InvalidRequestException("a patch entry is larger than its recorded size (" + limit + " bytes)");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
