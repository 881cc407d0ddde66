package dev.amend.server.ledger;

import dev.amend.spi.Edit;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One applied edit as the ledger holds it.
 *
 * @param id         the edit's id
 * @param edit       the edit (deltas, method, hyperparameters, templates)
 * @param info       what the host recorded with it (answers before and after, scores, seed), as name → value
 * @param recordedAt when it was recorded
 */
public record LedgerEntry(String id, Edit edit, Map<String, Object> info, Instant recordedAt) {
    /** Checks the fields and copies the map. */
    public LedgerEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(edit, "edit");
        Objects.requireNonNull(recordedAt, "recordedAt");
        info = Map.copyOf(info);
    }
}
