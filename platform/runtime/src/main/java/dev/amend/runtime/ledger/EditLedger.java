package dev.amend.runtime.ledger;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.EditableModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The durable history of the edits applied to one model: each edit is stored (its deltas, then its journal record)
 * before it is applied and acknowledged; opening the ledger replays the acknowledged edits onto the freshly loaded
 * base model, so after a crash the weights equal, bit for bit, those before it. Rollback removes edits anywhere in
 * the history and recomputes the touched weights from their base values; patches carry edits to another instance of
 * the same base model. The format is described in {@code docs/ledger.md}.
 *
 * <p>The logic lives here once; where records and deltas are kept is a {@link LedgerStore}: a directory
 * ({@link FileLedgerStore}, the default) or a database shared by several processes. With a shared store each write
 * takes the store's writer right ({@link #lockWriter}) and first applies what other processes appended
 * ({@link #catchUp}); readers call {@link #catchUp} when {@link #awaitChange} says the history moved.
 *
 * <p>Reads and changes are synchronised on the ledger. The ledger writes the model's weights in {@link #record},
 * {@link #rollback}, {@link #importPatch}, {@link #catchUp} and on open; callers that run forward passes concurrently
 * hold their own lock around these calls (and take {@link #lockWriter} before that lock, since it may wait). Every
 * change to the weights must go through the ledger (its base copies assume so): {@link #recordApplied} takes an edit
 * the caller has just applied, with the values the weights had before it.
 */
public final class EditLedger implements AutoCloseable {
    /** The journal format version this class writes and reads. */
    public static final int FORMAT = 1;
    /** How long a change waits for the writer right when the caller did not take it ({@link #lockWriter}). */
    public static final Duration DEFAULT_WRITER_WAIT = Duration.ofSeconds(60);
    /** Metadata (keys, scores) an edit of a patch may carry besides its deltas. */
    static final long PATCH_METADATA_BYTES = 64L << 20;

    private static final System.Logger LOG = System.getLogger(EditLedger.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LedgerStore store;
    private final EditableModel model;
    private final BaseWeights base;
    private final LedgerWriter writer;
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

    /**
     * What {@link #catchUp} applied of the records other processes appended.
     *
     * @param added      the ids of the edits applied, in order
     * @param rolledBack the ids of the edits rolled back
     * @param weights    the weights whose values changed
     */
    public record CatchUp(List<String> added, List<String> rolledBack, Set<String> weights) {
        /** Copies the collections. */
        public CatchUp {
            added = List.copyOf(added);
            rolledBack = List.copyOf(rolledBack);
            weights = Collections.unmodifiableSet(new LinkedHashSet<>(weights));
        }

        /** Returns true when nothing was applied. */
        public boolean isEmpty() {
            return added.isEmpty() && rolledBack.isEmpty();
        }
    }

    private EditLedger(LedgerStore store, EditableModel model, BaseWeights base, JournalReplay.History replayed,
                       Recovery recovery) {
        this.store = store;
        this.model = model;
        this.base = base;
        this.writer = new LedgerWriter(store);
        this.active.addAll(replayed.entries());
        this.usedIds.addAll(replayed.ids());
        this.nextSequence = replayed.next();
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
        return open(new FileLedgerStore(dir), model);
    }

    /**
     * Returns the shared ledger of {@code model} (by its name) in the PostgreSQL database {@code db}, created when
     * absent, after migrating the database's schema and replaying every acknowledged edit onto the freshly loaded
     * model. Other processes may open the same ledger: follow their changes with {@link #awaitChange} and
     * {@link #catchUp}.
     *
     * @throws LedgerUnavailableException when the database does not answer (the message names the URL without the
     *                                    password)
     * @throws LedgerException            when its schema is newer than this build knows, or the ledger was written
     *                                    for another base model (the message names both hashes)
     */
    public static EditLedger open(LedgerDatabase db, EditableModel model) {
        return open(PostgresLedgerStore.connect(db, model.name()), model);
    }

    /**
     * Returns the ledger kept in {@code store} for {@code model} (created when absent), after replaying every
     * acknowledged edit onto the freshly loaded model; the ledger owns the store from now on (closing it closes the
     * store, also when opening fails). Throws as {@link #open(Path, EditableModel)}.
     */
    public static EditLedger open(LedgerStore store, EditableModel model) {
        BaseWeights base = null;
        try {
            long t0 = System.nanoTime();
            LedgerStore.Contents contents = store.open(JournalReplay.header(model, FORMAT));
            JournalReplay.History replayed = JournalReplay.replay(store, contents.records(), model, FORMAT);
            Set<String> liveIds = new LinkedHashSet<>();
            replayed.entries().forEach(e -> liveIds.add(e.id()));
            List<String> removed = store.removeUnreferenced(liveIds, replayed.rolledBack());
            base = new BaseWeights(model);
            replayOnto(model, base, replayed.entries(), store.location());
            Recovery recovery = new Recovery(replayed.entries().size(), (System.nanoTime() - t0) / 1e9,
                    contents.tornBytes(), removed, contents.created());
            LOG.log(Level.DEBUG, "edit ledger {0}: {1} edit(s) replayed onto {2} in {3} s", store.location(),
                    replayed.entries().size(), model.name(), String.format("%.3f", recovery.replaySeconds()));
            return new EditLedger(store, model, base, replayed, recovery);
        } catch (IOException e) {
            closeQuietly(store, base);
            throw new UncheckedIOException("edit ledger " + store.location() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(store, base);
            throw e;
        }
    }

    /** Applies {@code entries} in order to the base model, or leaves it at its base weights and throws. */
    private static void replayOnto(EditableModel model, BaseWeights base, List<LedgerEntry> entries, String where) {
        for (LedgerEntry e : entries) {
            base.keep(EditChecks.weightsOf(e.edit()));
        }
        try {
            for (LedgerEntry e : entries) {
                e.edit().applyTo(model);
            }
        } catch (RuntimeException e) {
            Set<String> touched = new LinkedHashSet<>();
            entries.forEach(x -> touched.addAll(EditChecks.weightsOf(x.edit())));
            touched.forEach(base::restore);
            model.removeAdapters(entries.stream().flatMap(x -> x.edit().adapters().stream()).toList());
            throw new LedgerException("edit ledger " + where + ": replaying the edits onto " + model.name()
                    + " failed (" + e.getMessage() + "); the model was left at its base weights");
        }
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

    /** Returns the ledger's directory, or null when its store is not a directory (a database). */
    public Path directory() {
        return store.directory();
    }

    /** Returns where the ledger lives: its directory, or its database's URL without the password. */
    public String location() {
        return store.location();
    }

    /** Returns true when other processes share this ledger (a database): then follow it with {@link #awaitChange}. */
    public boolean shared() {
        return store.shared();
    }

    /** Returns what opening the ledger found and did. */
    public Recovery recovery() {
        return recovery;
    }

    /** Returns the bytes held by the copies of base weights kept for rollback. */
    public synchronized long baseCopyBytes() {
        return base.bytes();
    }

    // ---- other writers --------------------------------------------------------------------------

    /**
     * Returns a hold on the right to change the history, taken in this process and in the store (across processes
     * sharing it), waiting at most {@code timeout}; the holding thread's changes then need no further wait. Take it
     * before any lock of the caller's that forward passes need, then call {@link #catchUp} under that lock. Closing
     * the hold gives the right up. Re-entrant for the holding thread.
     *
     * @throws LedgerUnavailableException when the right cannot be had in time or the store does not answer
     */
    public LedgerWriter.Hold lockWriter(Duration timeout) {
        checkOpen();
        return writer.lock(timeout);
    }

    /**
     * Returns what it applied of the records other processes appended to the store since this ledger last read it:
     * their edits applied to the model, their rollbacks recomputed from base, exactly as this process would have
     * done them. Empty for a store with one writer.
     *
     * @throws LedgerCorruptException       when a record does not follow or its deltas are damaged
     * @throws LedgerUnavailableException   when the store does not answer
     */
    public synchronized CatchUp catchUp() {
        checkOpen();
        List<JsonObject> records;
        try {
            records = store.recordsAfter(nextSequence - 1);
        } catch (IOException e) {
            throw new UncheckedIOException("edit ledger " + store.location() + ": " + e.getMessage(), e);
        }
        List<String> added = new ArrayList<>();
        List<String> rolledBack = new ArrayList<>();
        Set<String> weights = new LinkedHashSet<>();
        for (JsonObject r : records) {
            JournalReplay.checkSequence(store.location(), r, nextSequence, "record " + nextSequence);
            try {
                if (JournalReplay.isEdit(store.location(), r)) {
                    LedgerEntry entry = JournalReplay.readEntry(store, r);
                    base.keep(EditChecks.weightsOf(entry.edit()));
                    entry.edit().applyTo(model);
                    active.add(entry);
                    usedIds.add(entry.id());
                    added.add(entry.id());
                    weights.addAll(EditChecks.weightsOf(entry.edit()));
                } else {
                    Set<String> ids = new LinkedHashSet<>(JournalReplay.rolledBackIds(r));
                    List<LedgerEntry> removed = active.stream().filter(e -> ids.contains(e.id())).toList();
                    if (removed.size() != ids.size()) {
                        throw new LedgerCorruptException(store.location(), "rollback record " + nextSequence
                                + " removes " + ids + ", which are not all in the history at that point");
                    }
                    weights.addAll(applyRollback(removed).touched());
                    rolledBack.addAll(ids);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("edit ledger " + store.location() + ": " + e.getMessage(), e);
            }
            nextSequence++;
            history = null;
        }
        return new CatchUp(added, rolledBack, weights);
    }

    /**
     * Returns true when another process may have changed the history (call {@link #catchUp}), after waiting at most
     * {@code timeout} for word of it; false when the wait ran out. Does not hold the ledger's lock while waiting.
     */
    public boolean awaitChange(Duration timeout) throws InterruptedException {
        return store.awaitChange(timeout);
    }

    // ---- writing ------------------------------------------------------------------------------

    /**
     * Records {@code edit} durably (its deltas stored, then the journal record, each made durable), then applies it
     * to the model, and returns its entry. When this returns the edit is acknowledged: it survives a crash.
     * {@code info} (e.g. scores, answers before and after) is stored with it; float arrays inside it are kept as
     * tensors. With a shared store the edits other processes appended are applied first.
     *
     * @throws InvalidRequestException when a delta names a weight the model lacks, has the wrong shape or
     *                                 non-finite values (nothing is written and the model is unchanged)
     */
    public LedgerEntry record(Edit edit, Map<String, Object> info) {
        return asWriter(() -> {
            catchUp();
            return recordAll(List.of(edit), Collections.singletonList(info)).get(0);
        });
    }

    /**
     * Records {@code edit}, which the caller has already applied to the model, durably (as {@link #record} does)
     * and returns its entry; the model's weights are not touched. {@code preEdit} returns the value each weight the
     * edit changes had before it was applied (the ledger copies those no earlier edit touched as their base
     * values). The edit must be applied exactly as the ledger stores it, which the ledger checks: its deltas read
     * back from the stored form bit for bit. If this throws, nothing is recorded and the caller must restore the
     * weights.
     *
     * @throws InvalidRequestException     when a delta names a weight the model lacks, has the wrong shape or
     *                                     non-finite values (nothing is written)
     * @throws LedgerUnavailableException  when another process changed the shared history since the caller caught
     *                                     up (the edit was computed on an older model), or the store does not answer
     */
    public LedgerEntry recordApplied(Edit edit, Map<String, Object> info, Function<String, NDArray> preEdit) {
        return asWriter(() -> recordAppliedAsWriter(edit, info, preEdit));
    }

    private synchronized LedgerEntry recordAppliedAsWriter(Edit edit, Map<String, Object> info,
                                                           Function<String, NDArray> preEdit) {
        checkOpen();
        EditChecks.check(model, edit);
        for (String w : EditChecks.weightsOf(edit)) {
            if (preEdit.apply(w) == null) {
                throw new IllegalArgumentException("no value from before the edit for weight " + w);
            }
        }
        requireCaughtUp();
        LedgerEntry entry = writeDurably(List.of(edit), Collections.singletonList(info)).get(0);
        base.keepPreEdit(EditChecks.weightsOf(entry.edit()), preEdit);
        active.add(entry);
        history = null;
        return entry;
    }

    /** Throws {@link LedgerUnavailableException} when other processes appended records this ledger has not applied. */
    private void requireCaughtUp() {
        try {
            if (!store.recordsAfter(nextSequence - 1).isEmpty()) {
                throw new LedgerUnavailableException("edit ledger " + store.location() + ": another replica changed"
                        + " the history while this edit was computed on the model before that change; the edit was"
                        + " not recorded: submit it again");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("edit ledger " + store.location() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records several edits with one group commit (see {@link #writeDurably}), then applies them in order. A crash
     * in the middle keeps a prefix of them.
     */
    private synchronized List<LedgerEntry> recordAll(List<Edit> edits, List<Map<String, Object>> infos) {
        checkOpen();
        edits.forEach(e -> EditChecks.check(model, e));
        List<LedgerEntry> entries = writeDurably(edits, infos);
        // Copy the base values first: no edit in the history touches a weight that has no copy yet.
        for (LedgerEntry entry : entries) {
            base.keep(EditChecks.weightsOf(entry.edit()));
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
     * Stores several edits with one group commit ({@link LedgerStore#append}). Returns their entries as a restart
     * reads them back; the history and the model are not changed.
     */
    private List<LedgerEntry> writeDurably(List<Edit> edits, List<Map<String, Object>> infos) {
        List<LedgerEntry> entries = new ArrayList<>();
        List<JsonObject> records = new ArrayList<>();
        Map<String, byte[]> deltas = new LinkedHashMap<>();
        Set<String> ids = new LinkedHashSet<>();
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
            // Read back what will be stored, so this process holds exactly what a restart holds.
            EditCodec.Decoded stored = EditCodec.decode(enc.json(), TensorBlob.decode(bytes));
            EditChecks.requireSameDeltas(edits.get(i), stored.edit());
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
            records.add(r);
            deltas.put(fileName, bytes);
            entries.add(new LedgerEntry(id, seq, time, stored.edit(), stored.info(), stored.sizes(), bytes.length));
        }
        try {
            store.append(records, deltas);
        } catch (IOException e) {
            throw new UncheckedIOException("edit ledger " + store.location() + ": could not record the edit (nothing"
                    + " was applied): " + e.getMessage(), e);
        }
        nextSequence += edits.size();
        usedIds.addAll(ids);
        return entries;
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
    public RollbackResult rollback(List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new InvalidRequestException("no edit ids given: name the edits to roll back");
        }
        return asWriter(() -> {
            catchUp();
            return rollbackAsWriter(ids);
        });
    }

    private synchronized RollbackResult rollbackAsWriter(List<String> ids) {
        checkOpen();
        Set<String> wanted = new LinkedHashSet<>(ids);
        for (String id : wanted) {
            if (entry(id).isEmpty()) {
                throw new InvalidRequestException("no edit with id \"" + id + "\" in the history of model "
                        + model.name() + " (list the edits to see their ids)");
            }
        }
        List<LedgerEntry> removed = active.stream().filter(e -> wanted.contains(e.id())).toList();
        JsonObject r = new JsonObject();
        r.addProperty("type", "rollback");
        r.addProperty("seq", nextSequence);
        r.addProperty("time", Instant.now().toString());
        JsonArray arr = new JsonArray();
        removed.forEach(e -> arr.add(e.id()));
        r.add("ids", arr);
        try {
            store.append(List.of(r), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("edit ledger " + store.location() + ": could not record the rollback"
                    + " (nothing changed): " + e.getMessage(), e);
        }
        nextSequence++;
        RollbackResult result = applyRollback(removed).result();
        store.discardDeltas(removed.stream().map(e -> String.format("%06d-%s.safetensors", e.sequence(), e.id()))
                .toList());
        return result;
    }

    /** What taking edits out of the history did to the model. */
    private record AppliedRollback(RollbackResult result, Set<String> touched) {
    }

    /**
     * Takes {@code removed} out of the history: restores every weight they touched from its base value and
     * re-applies the remaining edits to those weights in order; returns what it did.
     */
    private AppliedRollback applyRollback(List<LedgerEntry> removed) {
        Set<String> removedIds = new LinkedHashSet<>();
        removed.forEach(e -> removedIds.add(e.id()));
        List<LedgerEntry> remaining = active.stream().filter(e -> !removedIds.contains(e.id())).toList();
        active.clear();
        active.addAll(remaining);
        history = null;
        Set<String> touched = new LinkedHashSet<>();
        removed.forEach(e -> touched.addAll(EditChecks.weightsOf(e.edit())));
        touched.forEach(base::restore);
        model.removeAdapters(removed.stream().flatMap(e -> e.edit().adapters().stream()).toList());
        List<String> reapplied = new ArrayList<>();
        for (LedgerEntry e : remaining) {
            boolean any = false;
            for (var d : e.edit().deltas()) {
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
        remaining.forEach(e -> stillTouched.addAll(EditChecks.weightsOf(e.edit())));
        base.retainOnly(stillTouched);
        long firstRemoved = removed.get(0).sequence();
        List<String> later = remaining.stream().filter(e -> e.sequence() > firstRemoved).map(LedgerEntry::id).toList();
        String warning = null;
        if (!later.isEmpty()) {
            boolean sequential = remaining.stream().filter(e -> e.sequence() > firstRemoved)
                    .anyMatch(e -> e.method().equals("alphaedit") || e.method().equals("memit"));
            warning = "edit(s) " + String.join(", ", later) + " were computed on a model that contained the removed"
                    + " edit(s) " + String.join(", ", removedIds)
                    + "; their deltas stay as they were fitted, so their effect may differ now"
                    + (sequential ? " (AlphaEdit/MEMIT fitted them sequentially on top of the removed edits)" : "")
                    + ": re-run them if they must be exact";
        }
        RollbackResult result = new RollbackResult(List.copyOf(removedIds), !touched.isEmpty(), List.copyOf(touched),
                reapplied, later, warning, remaining.size());
        return new AppliedRollback(result, touched);
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
    public List<LedgerEntry> importPatch(InputStream in) {
        return importPatchReport(in).added();
    }

    /**
     * Returns what importing the patch in {@code in} did: the edits it recorded and those it skipped because the
     * history already holds them (recorded here, or imported before), so that importing a patch twice changes
     * nothing the second time. Each entry is read with at most {@link #maxPatchEntryBytes} bytes in memory.
     *
     * @throws InvalidRequestException as {@link #importPatch}
     */
    public PatchImport importPatchReport(InputStream in) {
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
            EditChecks.check(model, item.edit());
        }
        return asWriter(() -> {
            synchronized (this) {
                catchUp();
                PatchPlan plan = PatchPlan.of(patch, active);
                return new PatchImport(plan.edits().isEmpty() ? List.of() : recordAll(plan.edits(), plan.infos()),
                        plan.skipped());
            }
        });
    }

    /**
     * Returns the most bytes one edit of a patch may hold for this base model: every weight of the model as a
     * dense float32 delta, plus {@value #PATCH_METADATA_BYTES} bytes of metadata tensors.
     */
    public long maxPatchEntryBytes() {
        return 4L * model.architecture().parameters() + PATCH_METADATA_BYTES;
    }

    /** Closes the store (releasing its locks) and the base copies; the model keeps its weights. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.close();
        closeQuietly(store, base);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Returns what {@code work} returns, run holding the writer right (taken for the call unless already held). */
    private <T> T asWriter(Supplier<T> work) {
        checkOpen();
        try (LedgerWriter.Hold hold = writer.lock(DEFAULT_WRITER_WAIT)) {
            return work.get();
        }
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
            throw new IllegalStateException("the edit ledger " + store.location() + " is closed");
        }
    }

    private static void closeQuietly(LedgerStore store, BaseWeights base) {
        if (base != null) {
            base.close();
        }
        store.close();
    }
}
