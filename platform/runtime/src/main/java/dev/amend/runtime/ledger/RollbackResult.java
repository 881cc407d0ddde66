package dev.amend.runtime.ledger;

import java.util.List;

/**
 * What a rollback did.
 *
 * @param removed               the ids removed, in history order
 * @param recomputedFromBase    true when the touched weights were restored from their base values and the
 *                              remaining edits re-applied in order (always, when the removed edits changed
 *                              any weight), so the weights equal exactly base + the remaining edits
 * @param restoredWeights       the weights restored from base
 * @param reapplied             ids of the remaining edits whose deltas were re-applied to those weights
 * @param computedOnTopOfRemoved ids of remaining edits recorded after a removed one: their deltas were
 *                              fitted to a model that contained it, and stay as they were
 * @param warning               a sentence for the user when {@code computedOnTopOfRemoved} is not empty, else null
 * @param remaining             the number of edits left in the history
 */
public record RollbackResult(List<String> removed, boolean recomputedFromBase, List<String> restoredWeights,
                             List<String> reapplied, List<String> computedOnTopOfRemoved, String warning,
                             int remaining) {
    /** Copies the lists. */
    public RollbackResult {
        removed = List.copyOf(removed);
        restoredWeights = List.copyOf(restoredWeights);
        reapplied = List.copyOf(reapplied);
        computedOnTopOfRemoved = List.copyOf(computedOnTopOfRemoved);
    }
}
