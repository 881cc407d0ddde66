package dev.amend.runtime.ledger;

import dev.amend.spi.Edit;
import dev.amend.spi.EditRequest;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One edit recorded in the ledger: its id and place in the history, when it was recorded, the full
 * {@link Edit} (deltas and metadata, as a restart reads it back), what the caller attached (scores,
 * before/after answers) and the sizes of its deltas.
 *
 * @param id       short unique id (12 hex digits)
 * @param sequence the journal sequence number (increasing; rollbacks take numbers too, so there are gaps)
 * @param time     when the edit was recorded
 * @param edit     the edit as stored
 * @param info     what the caller attached when recording (e.g. scores), as name → value
 * @param deltas   the size of each delta, in the edit's order
 * @param bytes    the size of the edit's deltas file on disk
 */
public record LedgerEntry(String id, long sequence, Instant time, Edit edit, Map<String, Object> info,
                          List<DeltaSize> deltas, long bytes) {

    /** Copies the collections (the info map keeps its order and may hold nulls). */
    public LedgerEntry {
        info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
        deltas = List.copyOf(deltas);
    }

    /**
     * The size of one weight delta.
     *
     * @param weight       the weight it changes
     * @param kind         {@code low_rank} or {@code dense}
     * @param rows         output features of ΔW
     * @param cols         input features of ΔW
     * @param rank         the number of factor columns (for dense: min(rows, cols))
     * @param storedFloats the floats stored
     * @param bytes        the bytes stored (4 per float)
     */
    public record DeltaSize(String weight, String kind, int rows, int cols, int rank, long storedFloats, long bytes) {
    }

    /** Returns the editing method's name. */
    public String method() {
        return edit.method();
    }

    /** Returns the editing method's version. */
    public String methodVersion() {
        return edit.methodVersion();
    }

    /** Returns the hyperparameters the edit was computed with. */
    public Map<String, Object> hyperparameters() {
        return edit.hyperparameters();
    }

    /** Returns the context templates the edit was computed with. */
    public List<String> contextTemplates() {
        return edit.contextTemplates();
    }

    /** Returns the requests the edit wrote. */
    public List<EditRequest> requests() {
        return edit.requests();
    }

    /** Returns the method's metadata (e.g. AlphaEdit's keys). */
    public Map<String, Object> metadata() {
        return edit.metadata();
    }

    /** Returns the total number of floats the deltas store. */
    public long storedFloats() {
        return edit.storedFloats();
    }
}
