package dev.amend.runtime.ledger;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.amend.spi.model.EditableModel;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a ledger's records back: checks the header against the model, the sequence numbers and record types, and
 * each live edit's deltas against the size and checksum its record holds, whatever store they come from.
 */
final class JournalReplay {
    private JournalReplay() {
    }

    /**
     * The history the records describe.
     *
     * @param entries    the edits still in the history, in order, read back with their deltas
     * @param ids        every edit id the records name (rolled back or not)
     * @param rolledBack the ids of rolled-back edits
     * @param next       the sequence number the next record takes
     */
    record History(List<LedgerEntry> entries, Set<String> ids, Set<String> rolledBack, long next) {
    }

    /** Returns the first record of a new ledger of {@code model}. */
    static JsonObject header(EditableModel model, int format) {
        JsonObject header = new JsonObject();
        header.addProperty("type", "ledger");
        header.addProperty("seq", 0);
        header.addProperty("format", format);
        header.addProperty("model", model.name());
        header.addProperty("base_hash", model.baseHash());
        header.addProperty("created", Instant.now().toString());
        return header;
    }

    /** Returns the history in {@code records} (the header first), reading the live edits' deltas from {@code store}. */
    static History replay(LedgerStore store, List<JsonObject> records, EditableModel model, int format)
            throws IOException {
        String where = store.location();
        if (records.isEmpty()) {
            throw new LedgerCorruptException(where, "the journal has no header record");
        }
        checkHeader(where, records.get(0), model, format);
        Map<String, JsonObject> live = new LinkedHashMap<>();
        Set<String> ids = new LinkedHashSet<>();
        Set<String> rolledBack = new LinkedHashSet<>();
        long expected = 1;
        for (int i = 1; i < records.size(); i++) {
            JsonObject r = records.get(i);
            checkSequence(where, r, expected, "record " + (i + 1));
            expected++;
            if (isEdit(where, r)) {
                String id = str(r, "id");
                if (id == null || !ids.add(id)) {
                    throw new LedgerCorruptException(where, "record " + r.get("seq") + " has a missing or repeated id "
                            + id);
                }
                live.put(id, r);
            } else {
                for (String id : rolledBackIds(r)) {
                    if (live.remove(id) == null) {
                        throw new LedgerCorruptException(where, "rollback record " + r.get("seq") + " removes edit " + id
                                + ", which is not in the history at that point");
                    }
                    rolledBack.add(id);
                }
            }
        }
        List<LedgerEntry> entries = new ArrayList<>();
        for (JsonObject r : live.values()) {
            entries.add(readEntry(store, r));
        }
        return new History(entries, ids, rolledBack, expected);
    }

    private static void checkHeader(String where, JsonObject header, EditableModel model, int format) {
        if (!"ledger".equals(str(header, "type")) || !header.has("format")) {
            throw new LedgerCorruptException(where, "the first record is not a ledger header");
        }
        if (header.get("format").getAsInt() != format) {
            throw new LedgerException("edit ledger " + where + " has format " + header.get("format")
                    + "; this version reads format " + format);
        }
        String hash = str(header, "base_hash");
        if (!model.baseHash().equals(hash)) {
            throw new LedgerException("edit ledger " + where + " was written for base model \""
                    + str(header, "model") + "\" with weights hash " + hash + ", but model \"" + model.name()
                    + "\" has hash " + model.baseHash() + ": its edits cannot be replayed onto other weights."
                    + " Load the model the ledger belongs to, or use another data directory (or database, or model"
                    + " name)");
        }
    }

    /** Throws {@link LedgerCorruptException} unless record {@code r} has sequence number {@code expected}. */
    static void checkSequence(String where, JsonObject r, long expected, String which) {
        long seq = r.has("seq") ? r.get("seq").getAsLong() : -1;
        if (seq != expected) {
            throw new LedgerCorruptException(where, which + " has sequence number " + seq + ", expected " + expected
                    + " (a record is missing or repeated)");
        }
    }

    /** Returns true for an edit record, false for a rollback record; throws for any other type. */
    static boolean isEdit(String where, JsonObject r) {
        String type = str(r, "type");
        if ("edit".equals(type)) {
            return true;
        }
        if ("rollback".equals(type)) {
            return false;
        }
        throw new LedgerCorruptException(where, "record " + r.get("seq") + " has unknown type " + type);
    }

    /** Returns the ids a rollback record removes. */
    static List<String> rolledBackIds(JsonObject rollback) {
        List<String> ids = new ArrayList<>();
        for (JsonElement e : rollback.getAsJsonArray("ids")) {
            ids.add(e.getAsString());
        }
        return ids;
    }

    /** Returns the entry of edit record {@code r} with its deltas read from {@code store} and checked. */
    static LedgerEntry readEntry(LedgerStore store, JsonObject r) throws IOException {
        String where = store.location();
        String id = str(r, "id");
        String file = str(r, "file");
        byte[] bytes = store.readDeltas(file, id);
        String crc = TensorBlob.crc32c(bytes);
        if (bytes.length != r.get("file_bytes").getAsLong() || !crc.equals(str(r, "file_crc32c"))) {
            throw new LedgerCorruptException(where, "the deltas file " + file + " of edit " + id + " has "
                    + bytes.length + " bytes and CRC32C " + crc + ", the journal recorded " + r.get("file_bytes")
                    + " bytes and " + str(r, "file_crc32c") + ": the file was damaged or replaced");
        }
        try {
            EditCodec.Decoded d = EditCodec.decode(r, TensorBlob.decode(bytes));
            return new LedgerEntry(id, r.get("seq").getAsLong(), Instant.parse(str(r, "time")), d.edit(), d.info(),
                    d.sizes(), bytes.length);
        } catch (RuntimeException e) {
            throw new LedgerCorruptException(where, "edit " + id + " cannot be read back: " + e.getMessage());
        }
    }

    /** Returns the string at {@code key}, or null. */
    static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
