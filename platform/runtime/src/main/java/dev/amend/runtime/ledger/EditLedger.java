package dev.amend.runtime.ledger;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.WeightLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The durable history of the edits applied to one model: each edit is written to disk (its deltas as
 * a safetensors file, then a checksummed journal line, each fsynced) before it is applied and
 * acknowledged; opening the ledger replays the acknowledged edits onto the freshly loaded base model,
 * so after a crash the weights equal, bit for bit, those before it. Rollback removes edits anywhere
 * in the history and recomputes the touched weights from their base values; patches carry edits to
 * another instance of the same base model. The format is described in {@code docs/ledger.md}.
 *
 * <p>All methods are synchronised on the ledger. The ledger writes the model's weights in
 * {@link #record}, {@link #rollback}, {@link #importPatch} and on open; callers that run forward passes
 * concurrently hold their own lock around these calls. Every change to the weights must go through the
 * ledger (its base copies assume so): {@link #recordApplied} takes an edit the caller has just applied,
 * with the values the weights had before it.
 */
public final class EditLedger implements AutoCloseable {
    /** The journal format version this class writes and reads. */
    public static final int FORMAT = 1;
    /** Metadata (keys, scores) an edit of a patch may carry besides its deltas. */
    static final long PATCH_METADATA_BYTES = 64L << 20;

    private static final System.Logger LOG = System.getLogger(EditLedger.class.getName());
    private static final Pattern DELTAS_FILE = Pattern.compile("(\\d{6,})-([0-9a-f]{12})\\.safetensors");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Path deltasDir;
    private final EditableModel model;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Journal journal;
    private final BaseWeights base;
    private final List<LedgerEntry> active = new ArrayList<>();
    private final Set<String> usedIds = new LinkedHashSet<>();
    private final Recovery recovery;
    private long nextSequence;
    private List<Edit> history;
    private boolean closed;

    /**
     * What opening the ledger found and did.
     *
     * @param replayedEdits  the acknowledged edits re-applied to the base model
     * @param replaySeconds  the time to read, check and re-apply them
     * @param tornBytes      the bytes of a torn last journal line that were dropped (0 when none)
     * @param removedFiles   files removed: deltas without a journal record, deltas of rolled-back edits,
     *                       temporary files of interrupted writes
     * @param created        true when the ledger was created by this open
     */
    public record Recovery(int replayedEdits, double replaySeconds, long tornBytes, List<String> removedFiles,
                           boolean created) {
        /** Copies the list. */
        public Recovery {
            removedFiles = List.copyOf(removedFiles);
        }
    }

    private EditLedger(Path dir, EditableModel model, FileChannel lockChannel, FileLock lock, Journal journal,
                       BaseWeights base, List<LedgerEntry> entries, Set<String> ids, long nextSequence,
                       Recovery recovery) {
        this.dir = dir;
        this.deltasDir = dir.resolve("deltas");
        this.model = model;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.journal = journal;
        this.base = base;
        this.active.addAll(entries);
        this.usedIds.addAll(ids);
        this.nextSequence = nextSequence;
        this.recovery = recovery;
    }

    /** Returns the directory of {@code model}'s ledger under {@code dataDir}: {@code <name>-<first 16 hex of the base hash>}. */
    public static Path directoryFor(Path dataDir, EditableModel model) {
        String name = model.name().replaceAll("[^A-Za-z0-9._-]", "_");
        return dataDir.resolve(name + "-" + model.baseHash().substring(0, Math.min(16, model.baseHash().length())));
    }

    /**
     * Returns the ledger of {@code model} under {@code dataDir} (created when absent), after replaying
     * every acknowledged edit onto the model, which must be freshly loaded (holding its base weights).
     *
     * @throws LedgerException          when the ledger is open elsewhere or was written for another base model
     * @throws LedgerCorruptException    (a LedgerException) when an acknowledged record or its deltas file is
     *                                   damaged or missing
     * @throws UncheckedIOException      on I/O failure
     */
    public static EditLedger open(Path dataDir, EditableModel model) {
        return openAt(directoryFor(dataDir, model), model);
    }

    /** Returns the ledger in the directory {@code dir} for {@code model} (see {@link #open}). */
    public static EditLedger openAt(Path dir, EditableModel model) {
        FileChannel lockChannel = null;
        FileLock lock = null;
        Journal journal = null;
        BaseWeights base = null;
        try {
            Files.createDirectories(dir.resolve("deltas"));
            lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new LedgerException("the edit ledger " + dir
                        + " is open in another process or by another ledger object: close it first");
            }
            long t0 = System.nanoTime();
            Path journalPath = dir.resolve("journal.jsonl");
            List<String> removed = new ArrayList<>();
            Files.deleteIfExists(dir.resolve("journal.jsonl" + Durable.TMP_SUFFIX));
            boolean created = !Files.exists(journalPath);
            List<LedgerEntry> entries = new ArrayList<>();
            Set<String> ids = new LinkedHashSet<>();
            Set<String> rolledBack = new LinkedHashSet<>();
            long next;
            long torn = 0;
            if (created) {
                JsonObject header = new JsonObject();
                header.addProperty("type", "ledger");
                header.addProperty("seq", 0);
                header.addProperty("format", FORMAT);
                header.addProperty("model", model.name());
                header.addProperty("base_hash", model.baseHash());
                header.addProperty("created", Instant.now().toString());
                journal = Journal.create(journalPath, header);
                // Make the new directories themselves durable, so an acknowledged edit cannot lose its ledger.
                Durable.syncDirectory(dir);
                Durable.syncDirectory(dir.toAbsolutePath().getParent());
                next = 1;
            } else {
                Journal.Contents contents = Journal.read(journalPath);
                next = replayRecords(journalPath, contents.records(), model, entries, ids, rolledBack);
                torn = contents.tornBytes();
                if (torn > 0) {
                    LOG.log(Level.WARNING, "edit ledger {0}: dropped a torn last journal line ({1} bytes at byte {2}):"
                            + " an append interrupted by a crash; that record was never acknowledged",
                            journalPath, torn, contents.validBytes());
                }
                journal = Journal.openForAppend(journalPath, contents.validBytes());
            }
            removed.addAll(cleanDeltasDirectory(dir.resolve("deltas"), entries, rolledBack));
            base = new BaseWeights(model);
            for (LedgerEntry e : entries) {
                base.keep(weightsOf(e.edit()));
            }
            try {
                for (LedgerEntry e : entries) {
                    e.edit().applyTo(model);
                }
            } catch (RuntimeException e) {
                // Leave the model at its base weights rather than half replayed.
                Set<String> touched = new LinkedHashSet<>();
                entries.forEach(x -> touched.addAll(weightsOf(x.edit())));
                touched.forEach(base::restore);
                model.removeAdapters(entries.stream().flatMap(x -> x.edit().adapters().stream()).toList());
                throw new LedgerException("edit ledger " + dir + ": replaying the edits onto " + model.name()
                        + " failed (" + e.getMessage() + "); the model was left at its base weights");
            }
            Recovery recovery = new Recovery(entries.size(), (System.nanoTime() - t0) / 1e9, torn, removed, created);
            LOG.log(Level.DEBUG, "edit ledger {0}: {1} edit(s) replayed onto {2} in {3} s", dir, entries.size(),
                    model.name(), String.format("%.3f", recovery.replaySeconds()));
            return new EditLedger(dir, model, lockChannel, lock, journal, base, entries, ids, next, recovery);
        } catch (IOException e) {
            closeQuietly(journal, base, lockChannel);
            throw new UncheckedIOException("edit ledger " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(journal, base, lockChannel);
            throw e;
        }
    }

    private static long replayRecords(Path journalPath, List<JsonObject> records, EditableModel model,
                                      List<LedgerEntry> entries, Set<String> ids, Set<String> rolledBack)
            throws IOException {
        if (records.isEmpty()) {
            throw new LedgerCorruptException(journalPath, "the journal has no header record");
        }
        JsonObject header = records.get(0);
        if (!"ledger".equals(str(header, "type")) || !header.has("format")) {
            throw new LedgerCorruptException(journalPath, "the first record is not a ledger header");
        }
        if (header.get("format").getAsInt() != FORMAT) {
            throw new LedgerException("edit ledger " + journalPath + " has format " + header.get("format")
                    + "; this version reads format " + FORMAT);
        }
        String hash = str(header, "base_hash");
        if (!model.baseHash().equals(hash)) {
            throw new LedgerException("edit ledger " + journalPath + " was written for base model \""
                    + str(header, "model") + "\" with weights hash " + hash + ", but model \"" + model.name()
                    + "\" has hash " + model.baseHash() + ": its edits cannot be replayed onto other weights."
                    + " Load the model the ledger belongs to, or use another data directory");
        }
        Map<String, JsonObject> live = new LinkedHashMap<>();
        long expected = 1;
        for (int i = 1; i < records.size(); i++) {
            JsonObject r = records.get(i);
            long seq = r.has("seq") ? r.get("seq").getAsLong() : -1;
            if (seq != expected) {
                throw new LedgerCorruptException(journalPath, "record " + (i + 1) + " has sequence number " + seq
                        + ", expected " + expected + " (a record is missing or repeated)");
            }
            expected++;
            String type = str(r, "type");
            if ("edit".equals(type)) {
                String id = str(r, "id");
                if (id == null || !ids.add(id)) {
                    throw new LedgerCorruptException(journalPath, "record " + seq + " has a missing or repeated id "
                            + id);
                }
                live.put(id, r);
            } else if ("rollback".equals(type)) {
                for (JsonElement e : r.getAsJsonArray("ids")) {
                    String id = e.getAsString();
                    if (live.remove(id) == null) {
                        throw new LedgerCorruptException(journalPath, "rollback record " + seq
                                + " removes edit " + id + ", which is not in the history at that point");
                    }
                    rolledBack.add(id);
                }
            } else {
                throw new LedgerCorruptException(journalPath, "record " + seq + " has unknown type " + type);
            }
        }
        Path deltasDir = journalPath.resolveSibling("deltas");
        for (JsonObject r : live.values()) {
            entries.add(readEntry(journalPath, deltasDir, r));
        }
        return expected;
    }

    private static LedgerEntry readEntry(Path journalPath, Path deltasDir, JsonObject r) throws IOException {
        String id = str(r, "id");
        Path file = deltasDir.resolve(str(r, "file"));
        if (!Files.exists(file)) {
            throw new LedgerCorruptException(journalPath, "the deltas file " + file + " of acknowledged edit " + id
                    + " is missing");
        }
        byte[] bytes = Files.readAllBytes(file);
        String crc = TensorBlob.crc32c(bytes);
        if (bytes.length != r.get("file_bytes").getAsLong() || !crc.equals(str(r, "file_crc32c"))) {
            throw new LedgerCorruptException(journalPath, "the deltas file " + file + " of edit " + id + " has "
                    + bytes.length + " bytes and CRC32C " + crc + ", the journal recorded " + r.get("file_bytes")
                    + " bytes and " + str(r, "file_crc32c") + ": the file was damaged or replaced");
        }
        try {
            EditCodec.Decoded d = EditCodec.decode(r, TensorBlob.decode(bytes));
            return new LedgerEntry(id, r.get("seq").getAsLong(), Instant.parse(str(r, "time")), d.edit(), d.info(),
                    d.sizes(), bytes.length);
        } catch (RuntimeException e) {
            throw new LedgerCorruptException(journalPath, "edit " + id + " cannot be read back: " + e.getMessage());
        }
    }

    private static List<String> cleanDeltasDirectory(Path deltasDir, List<LedgerEntry> entries,
                                                     Set<String> rolledBack) throws IOException {
        Set<String> liveIds = new LinkedHashSet<>();
        entries.forEach(e -> liveIds.add(e.id()));
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(deltasDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                var m = DELTAS_FILE.matcher(name);
                if (name.endsWith(Durable.TMP_SUFFIX)) {
                    LOG.log(Level.INFO, "edit ledger: removing {0}, a write interrupted by a crash", f);
                } else if (!m.matches() || liveIds.contains(m.group(2))) {
                    continue;
                } else if (rolledBack.contains(m.group(2))) {
                    LOG.log(Level.INFO, "edit ledger: removing {0}, the deltas of a rolled-back edit", f);
                } else {
                    LOG.log(Level.WARNING, "edit ledger: removing {0}, a deltas file without a journal record"
                            + " (a crash between writing the deltas and the journal; the edit was never acknowledged)",
                            f);
                }
                Files.delete(f);
                removed.add(name);
            }
        }
        if (!removed.isEmpty()) {
            Durable.syncDirectory(deltasDir);
        }
        return removed;
    }

    // ---- reading ------------------------------------------------------------------------------

    /** Returns the edits in the history, oldest first. */
    public synchronized List<LedgerEntry> entries() {
        return List.copyOf(active);
    }

    /** Returns the edit with {@code id} when it is in the history. */
    public synchronized Optional<LedgerEntry> entry(String id) {
        return active.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /** Returns the edits in the history, oldest first, as {@link dev.amend.spi.edit.EditContext#withHistory} takes them. */
    public synchronized List<Edit> history() {
        if (history == null) {
            history = active.stream().map(LedgerEntry::edit).toList();
        }
        return history;
    }

    /** Returns the sequence number of the last journal record (0 for a new ledger; edits and rollbacks count). */
    public synchronized long lastSequence() {
        return nextSequence - 1;
    }

    /** Returns the model the ledger belongs to. */
    public EditableModel model() {
        return model;
    }

    /** Returns the ledger's directory. */
    public Path directory() {
        return dir;
    }

    /** Returns what opening the ledger found and did. */
    public Recovery recovery() {
        return recovery;
    }

    /** Returns the bytes held by the copies of base weights kept for rollback. */
    public synchronized long baseCopyBytes() {
        return base.bytes();
    }

    // ---- writing ------------------------------------------------------------------------------

    /**
     * Records {@code edit} durably (deltas file written and fsynced, then the journal record appended and
     * fsynced), then applies it to the model, and returns its entry. When this returns the edit is
     * acknowledged: it survives a crash. {@code info} (e.g. scores, answers before and after) is stored
     * with it; float arrays inside it are kept as tensors.
     *
     * @throws InvalidRequestException when a delta names a weight the model lacks, has the wrong shape or
     *                                 non-finite values (nothing is written and the model is unchanged)
     */
    public synchronized LedgerEntry record(Edit edit, Map<String, Object> info) {
        checkOpen();
        return recordAll(List.of(edit), java.util.Collections.singletonList(info)).get(0);
    }

    /**
     * Records {@code edit}, which the caller has already applied to the model, durably (as {@link #record} does)
     * and returns its entry; the model's weights are not touched. {@code preEdit} returns the value each weight the
     * edit changes had before it was applied (the ledger copies those no earlier edit touched as their base
     * values). The edit must be applied exactly as the ledger stores it, which the ledger checks: its deltas read
     * back from the stored form bit for bit. If this throws, nothing is recorded and the caller must restore the
     * weights.
     *
     * @throws InvalidRequestException when a delta names a weight the model lacks, has the wrong shape or
     *                                 non-finite values (nothing is written)
     */
    public synchronized LedgerEntry recordApplied(Edit edit, Map<String, Object> info,
                                                  Function<String, NDArray> preEdit) {
        checkOpen();
        check(edit);
        for (String w : weightsOf(edit)) {
            if (preEdit.apply(w) == null) {
                throw new IllegalArgumentException("no value from before the edit for weight " + w);
            }
        }
        LedgerEntry entry = writeDurably(List.of(edit), java.util.Collections.singletonList(info)).get(0);
        base.keepPreEdit(weightsOf(entry.edit()), preEdit);
        active.add(entry);
        history = null;
        return entry;
    }

    /**
     * Records several edits with one group commit (see {@link #writeDurably}), then applies them in order. A crash
     * in the middle keeps a prefix of them.
     */
    private List<LedgerEntry> recordAll(List<Edit> edits, List<Map<String, Object>> infos) {
        edits.forEach(this::check);
        List<LedgerEntry> entries = writeDurably(edits, infos);
        // Copy the base values first: no edit in the history touches a weight that has no copy yet.
        for (LedgerEntry entry : entries) {
            base.keep(weightsOf(entry.edit()));
        }
        active.addAll(entries);
        history = null;
        for (int i = 0; i < entries.size(); i++) {
            try {
                entries.get(i).edit().applyTo(model);
            } catch (RuntimeException e) {
                List<String> unapplied = entries.subList(i, entries.size()).stream().map(LedgerEntry::id).toList();
                try {
                    rollback(unapplied);
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
                throw new IllegalStateException("edit " + entries.get(i).id() + " was recorded but applying it failed,"
                        + " so it was rolled back (with the edits recorded after it): " + e.getMessage(), e);
            }
        }
        return entries;
    }

    /**
     * Writes several edits with one group commit: each deltas file written and fsynced, one fsync of the
     * directory, all journal records in one append and one fsync. Returns their entries as a restart reads them
     * back; the history and the model are not changed.
     */
    private List<LedgerEntry> writeDurably(List<Edit> edits, List<Map<String, Object>> infos) {
        List<LedgerEntry> entries = new ArrayList<>();
        List<JsonObject> records = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        try {
            for (int i = 0; i < edits.size(); i++) {
                String id = newId(ids);
                ids.add(id);
                long seq = nextSequence + i;
                String fileName = String.format("%06d-%s.safetensors", seq, id);
                Map<String, Object> info = infos.get(i);
                EditCodec.Encoded enc = EditCodec.encode(edits.get(i), info == null ? Map.of() : info);
                Map<String, String> fileMeta = new LinkedHashMap<>();
                fileMeta.put("amend_ledger_id", id);
                fileMeta.put("amend_base_hash", model.baseHash());
                byte[] bytes = TensorBlob.encode(enc.tensors(), fileMeta);
                // Read back what will be on disk, so this process holds exactly what a restart holds.
                EditCodec.Decoded stored = EditCodec.decode(enc.json(), TensorBlob.decode(bytes));
                requireSameDeltas(edits.get(i), stored.edit());
                JsonObject r = new JsonObject();
                r.addProperty("type", "edit");
                r.addProperty("seq", seq);
                r.addProperty("id", id);
                Instant time = Instant.now();
                r.addProperty("time", time.toString());
                r.addProperty("file", fileName);
                r.addProperty("file_bytes", bytes.length);
                r.addProperty("file_crc32c", TensorBlob.crc32c(bytes));
                enc.json().entrySet().forEach(e -> r.add(e.getKey(), e.getValue()));
                Durable.write(deltasDir.resolve(fileName), bytes, false);
                records.add(r);
                entries.add(new LedgerEntry(id, seq, time, stored.edit(), stored.info(), stored.sizes(), bytes.length));
            }
            Durable.syncDirectory(deltasDir);
            journal.append(records);
        } catch (IOException e) {
            // Deltas files already written have no journal record: the next open removes them.
            throw new UncheckedIOException("edit ledger " + dir + ": could not record the edit (nothing was applied): "
                    + e.getMessage(), e);
        }
        nextSequence += edits.size();
        usedIds.addAll(ids);
        return entries;
    }

    /** Throws when the stored form of an edit would not apply bit for bit as {@code given} does. */
    private static void requireSameDeltas(Edit given, Edit stored) {
        if (!given.adapters().equals(stored.adapters())) {
            throw new IllegalStateException("the stored form of the edit's adapters differs from the adapters given"
                    + " (state values must be strings, booleans, numbers, arrays, lists or maps): the edit cannot be"
                    + " recorded as it was applied");
        }
        for (int i = 0; i < given.deltas().size(); i++) {
            WeightDelta a = given.deltas().get(i);
            WeightDelta b = stored.deltas().get(i);
            boolean same;
            if (a instanceof WeightDelta.LowRank x && b instanceof WeightDelta.LowRank y) {
                same = x.rank() == y.rank() && Arrays.equals(x.u(), y.u()) && Arrays.equals(x.v(), y.v());
            } else {
                same = a instanceof WeightDelta.Dense x && b instanceof WeightDelta.Dense y
                        && Arrays.equals(x.values(), y.values());
            }
            if (!same || !a.weight().equals(b.weight())) {
                throw new IllegalStateException("the stored form of the delta for " + a.weight()
                        + " differs from the delta given: the edit cannot be recorded as it was applied");
            }
        }
    }

    /**
     * Removes the edits {@code ids} from the history, wherever they are: appends a durable rollback
     * record, then restores every weight they touched from its base value and re-applies the remaining
     * edits to those weights in order, so the weights equal exactly base + the remaining edits (what a
     * restart computes). The result says which later edits were computed on a model that contained a
     * removed one.
     *
     * @throws InvalidRequestException when {@code ids} is empty or names an edit not in the history
     *                                 (nothing changes)
     */
    public synchronized RollbackResult rollback(List<String> ids) {
        checkOpen();
        if (ids == null || ids.isEmpty()) {
            throw new InvalidRequestException("no edit ids given: name the edits to roll back");
        }
        Set<String> wanted = new LinkedHashSet<>(ids);
        for (String id : wanted) {
            if (entry(id).isEmpty()) {
                throw new InvalidRequestException("no edit with id \"" + id + "\" in the history of model "
                        + model.name() + " (list the edits to see their ids)");
            }
        }
        List<LedgerEntry> removed = active.stream().filter(e -> wanted.contains(e.id())).toList();
        List<LedgerEntry> remaining = active.stream().filter(e -> !wanted.contains(e.id())).toList();
        JsonObject r = new JsonObject();
        r.addProperty("type", "rollback");
        r.addProperty("seq", nextSequence);
        r.addProperty("time", Instant.now().toString());
        JsonArray arr = new JsonArray();
        removed.forEach(e -> arr.add(e.id()));
        r.add("ids", arr);
        try {
            journal.append(r);
        } catch (IOException e) {
            throw new UncheckedIOException("edit ledger " + dir + ": could not record the rollback (nothing changed): "
                    + e.getMessage(), e);
        }
        nextSequence++;
        active.clear();
        active.addAll(remaining);
        history = null;

        Set<String> touched = new LinkedHashSet<>();
        removed.forEach(e -> touched.addAll(weightsOf(e.edit())));
        for (String w : touched) {
            base.restore(w);
        }
        model.removeAdapters(removed.stream().flatMap(e -> e.edit().adapters().stream()).toList());
        List<String> reapplied = new ArrayList<>();
        for (LedgerEntry e : remaining) {
            boolean any = false;
            for (WeightDelta d : e.edit().deltas()) {
                if (touched.contains(d.weight())) {
                    model.addToWeight(d);
                    any = true;
                }
            }
            if (any) {
                reapplied.add(e.id());
            }
        }
        Set<String> stillTouched = new LinkedHashSet<>();
        remaining.forEach(e -> stillTouched.addAll(weightsOf(e.edit())));
        base.retainOnly(stillTouched);

        long firstRemoved = removed.get(0).sequence();
        List<String> later = remaining.stream().filter(e -> e.sequence() > firstRemoved).map(LedgerEntry::id).toList();
        String warning = null;
        if (!later.isEmpty()) {
            boolean sequential = remaining.stream().filter(e -> e.sequence() > firstRemoved)
                    .anyMatch(e -> e.method().equals("alphaedit") || e.method().equals("memit"));
            warning = "edit(s) " + String.join(", ", later) + " were computed on a model that contained the removed"
                    + " edit(s) " + String.join(", ", removed.stream().map(LedgerEntry::id).toList())
                    + "; their deltas stay as they were fitted, so their effect may differ now"
                    + (sequential ? " (AlphaEdit/MEMIT fitted them sequentially on top of the removed edits)" : "")
                    + ": re-run them if they must be exact";
        }
        for (LedgerEntry e : removed) {
            try {
                Files.deleteIfExists(deltasDir.resolve(String.format("%06d-%s.safetensors", e.sequence(), e.id())));
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "edit ledger: could not delete the deltas of rolled-back edit {0} ({1});"
                        + " the next open removes them", e.id(), ex.getMessage());
            }
        }
        return new RollbackResult(removed.stream().map(LedgerEntry::id).toList(), !touched.isEmpty(),
                List.copyOf(touched), reapplied, later, warning, remaining.size());
    }

    /**
     * Writes the edits {@code ids} (all edits in the history when empty), in history order, as a patch
     * file to {@code out} (see {@code docs/ledger.md}); {@code out} is not closed.
     *
     * @throws InvalidRequestException when an id is not in the history
     */
    public synchronized void exportPatch(List<String> ids, OutputStream out) {
        checkOpen();
        List<LedgerEntry> chosen;
        if (ids == null || ids.isEmpty()) {
            chosen = List.copyOf(active);
        } else {
            Set<String> wanted = new LinkedHashSet<>(ids);
            for (String id : wanted) {
                if (entry(id).isEmpty()) {
                    throw new InvalidRequestException("no edit with id \"" + id + "\" in the history of model "
                            + model.name());
                }
            }
            chosen = active.stream().filter(e -> wanted.contains(e.id())).toList();
        }
        try {
            PatchFile.write(out, model, chosen);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the patch: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a patch file from {@code in}, checks that it was made for this base model, and records its
     * edits in order through {@link #record}; returns their new entries. Each entry's info keeps the
     * exported info and adds {@code imported_from} (source id, sequence, model, time). Edits already in the
     * history (the same source id) are skipped: see {@link #importPatchReport}.
     *
     * @throws InvalidRequestException when the stream is not a patch, was made for another base model
     *                                 (hash mismatch), or an edit does not fit this model (nothing is recorded)
     */
    public synchronized List<LedgerEntry> importPatch(InputStream in) {
        return importPatchReport(in).added();
    }

    /**
     * Returns what importing the patch in {@code in} did: the edits it recorded and those it skipped because the
     * history already holds them (recorded here, or imported before), so that importing a patch twice changes
     * nothing the second time. Each entry is read with at most {@link #maxPatchEntryBytes} bytes in memory.
     *
     * @throws InvalidRequestException as {@link #importPatch}
     */
    public synchronized PatchImport importPatchReport(InputStream in) {
        checkOpen();
        PatchFile.Contents patch;
        try {
            patch = PatchFile.read(in, maxPatchEntryBytes());
        } catch (IOException e) {
            throw new InvalidRequestException("could not read the patch: " + e.getMessage());
        }
        if (!patch.baseHash().equals(model.baseHash())) {
            throw new InvalidRequestException("the patch was made for base model \"" + patch.model()
                    + "\" with weights hash " + patch.baseHash() + ", but model \"" + model.name() + "\" has hash "
                    + model.baseHash() + ": import it onto an instance of the same base model");
        }
        for (PatchFile.Item item : patch.items()) {
            check(item.edit());
        }
        Set<String> present = new HashSet<>();
        for (LedgerEntry e : active) {
            present.add(e.id());
            if (e.info().get("imported_from") instanceof Map<?, ?> from && from.get("id") != null) {
                present.add(String.valueOf(from.get("id")));
            }
        }
        List<Edit> edits = new ArrayList<>();
        List<Map<String, Object>> infos = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (PatchFile.Item item : patch.items()) {
            if (present.contains(item.id())) {
                skipped.add(item.id());
                continue;
            }
            Map<String, Object> info = new LinkedHashMap<>(item.info());
            Map<String, Object> from = new LinkedHashMap<>();
            from.put("id", item.id());
            from.put("sequence", item.sequence());
            from.put("model", patch.model());
            from.put("time", item.time());
            info.put("imported_from", from);
            edits.add(item.edit());
            infos.add(info);
        }
        return new PatchImport(edits.isEmpty() ? List.of() : recordAll(edits, infos), skipped);
    }

    /**
     * Returns the most bytes one edit of a patch may hold for this base model: every weight of the model as a
     * dense float32 delta, plus {@value #PATCH_METADATA_BYTES} bytes of metadata tensors.
     */
    public long maxPatchEntryBytes() {
        return 4L * model.architecture().parameters() + PATCH_METADATA_BYTES;
    }

    /** Closes the journal and releases the directory lock and the base copies; the model keeps its weights. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(journal, base, lockChannel);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void check(Edit edit) {
        edit.adapters().forEach(model::checkAdapter);
        Map<String, EditPoint> points = new LinkedHashMap<>();
        for (EditPoint p : model.architecture().editPoints()) {
            points.put(p.weight(), p);
        }
        for (WeightDelta d : edit.deltas()) {
            if (!model.weightNames().contains(d.weight())) {
                throw new InvalidRequestException("the edit changes weight \"" + d.weight() + "\", which model "
                        + model.name() + " does not have");
            }
            long[] shape = model.weight(d.weight()).getShape().getShape();
            EditPoint p = points.get(d.weight());
            boolean transposed = p != null && p.layout() == WeightLayout.IN_OUT;
            long rows = transposed ? shape[1] : shape[0];
            long cols = shape.length == 2 ? (transposed ? shape[0] : shape[1]) : 1;
            if (shape.length > 2 || d.rows() != rows || d.cols() != cols) {
                throw new InvalidRequestException("the delta for \"" + d.weight() + "\" is [" + d.rows() + ", "
                        + d.cols() + "] but the weight is [" + rows + ", " + cols + "] as [out, in]");
            }
            boolean finite = d instanceof WeightDelta.LowRank lr ? allFinite(lr.u()) && allFinite(lr.v())
                    : allFinite(((WeightDelta.Dense) d).values());
            if (!finite) {
                throw new InvalidRequestException("the delta for \"" + d.weight()
                        + "\" has non-finite values (NaN or infinity): the edit diverged; it is not recorded");
            }
        }
    }

    private static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> weightsOf(Edit edit) {
        return edit.deltas().stream().map(WeightDelta::weight).distinct().toList();
    }

    private String newId(Set<String> alsoTaken) {
        byte[] b = new byte[6];
        String id;
        do {
            RANDOM.nextBytes(b);
            id = HexFormat.of().formatHex(b);
        } while (usedIds.contains(id) || alsoTaken.contains(id));
        return id;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the edit ledger " + dir + " is closed");
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static void closeQuietly(Journal journal, BaseWeights base, FileChannel lockChannel) {
        try {
            if (journal != null) {
                journal.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "edit ledger: closing the journal failed: {0}", e.getMessage());
        }
        if (base != null) {
            base.close();
        }
        try {
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "edit ledger: releasing the lock failed: {0}", e.getMessage());
        }
    }
}
