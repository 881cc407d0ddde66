package dev.amend.server.ledger;

import java.util.List;

/**
 * What a rollback did.
 *
 * @param rolledBack the ids removed
 * @param recomputed true when later edits were recomputed on top of the base because deltas do not commute
 * @param note       a sentence for the user explaining how the weights were restored
 */
public record RollbackResult(List<String> rolledBack, boolean recomputed, String note) {
    /** Copies the list. */
    public RollbackResult {
        rolledBack = List.copyOf(rolledBack);
    }
}
