package dev.amend.server.editing;

import dev.amend.runtime.ledger.RollbackResult;

/**
 * What a rollback did and the weights after it.
 *
 * @param result      the ledger's account
 * @param weightsHash SHA-256 of the serving weights after the rollback
 */
public record RollbackOutcome(RollbackResult result, String weightsHash) {
    /** Returns what was done, in words (with the ledger's warning, if any). */
    public String note() {
        StringBuilder note = new StringBuilder("removed " + result.removed().size() + " edit(s); ");
        if (result.recomputedFromBase()) {
            note.append("the weights they touched were restored from the base model and the deltas of the ")
                    .append(result.reapplied().size()).append(" remaining edit(s) on them re-applied in order, so")
                    .append(" the weights equal base + the ").append(result.remaining())
                    .append(" remaining edit(s) exactly");
        } else {
            note.append("no weight had to change");
        }
        if (result.warning() != null) {
            note.append(". ").append(result.warning());
        }
        return note.toString();
    }
}
