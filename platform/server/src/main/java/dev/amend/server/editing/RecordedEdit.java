package dev.amend.server.editing;

import dev.amend.runtime.editing.EditInfo;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.spi.edit.Edit;
import java.time.Instant;
import java.util.List;

/**
 * An applied edit as the API shows it, read once from its ledger entry: the edit, when it was recorded, what
 * the pipeline stored with it (answers before and after, typed scores, the rest of the info) and the sizes of
 * its deltas. REST and gRPC map it to their own types.
 *
 * @param id         the ledger id
 * @param edit       the edit as stored
 * @param recordedAt when it was recorded
 * @param info       the answers, scores and other info stored with it
 * @param deltas     the size of each delta, in order
 */
public record RecordedEdit(String id, Edit edit, Instant recordedAt, EditInfo info, List<DeltaSummary> deltas) {
    /** Copies the list. */
    public RecordedEdit {
        deltas = List.copyOf(deltas);
    }

    /** Returns the view of {@code entry}. */
    public static RecordedEdit of(LedgerEntry entry) {
        return new RecordedEdit(entry.id(), entry.edit(), entry.time(), EditInfo.of(entry.info()),
                entry.edit().deltas().stream().map(DeltaSummary::of).toList());
    }
}
