package dev.amend.server.editing;

import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.spi.edit.Score;
import java.util.List;

/**
 * A recorded edit with what the host observed around it.
 *
 * @param entry   the ledger entry (id, edit, info)
 * @param before  the greedy answer to each request's prompt before the edit
 * @param after   the same after it
 * @param scores  the evaluators' scores after the edit
 * @param ignored hyperparameter keys the method does not use
 */
public record EditOutcome(LedgerEntry entry, List<String> before, List<String> after, List<Score> scores,
                          List<String> ignored) {
    /** Copies the lists. */
    public EditOutcome {
        before = List.copyOf(before);
        after = List.copyOf(after);
        scores = List.copyOf(scores);
        ignored = List.copyOf(ignored);
    }
}
