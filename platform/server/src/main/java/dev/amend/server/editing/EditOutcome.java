package dev.amend.server.editing;

import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.spi.edit.Score;
import java.util.List;

/**
 * A recorded edit with what the host observed around it.
 *
 * @param entry    the ledger entry (id, edit, info)
 * @param before   the greedy answer to each request's prompt before the edit
 * @param after    the same after it
 * @param scores   the evaluators' scores after the edit
 * @param ignored  hyperparameter keys the method does not use
 * @param replayed true when this is the result of an earlier request with the same idempotency key
 */
public record EditOutcome(LedgerEntry entry, List<String> before, List<String> after, List<Score> scores,
                          List<String> ignored, boolean replayed) {
    /** Returns the outcome of an edit just made. */
    public EditOutcome(LedgerEntry entry, List<String> before, List<String> after, List<Score> scores,
                       List<String> ignored) {
        this(entry, before, after, scores, ignored, false);
    }

    /** Returns this outcome marked as the answer to a repeated request. */
    public EditOutcome asReplayed() {
        return new EditOutcome(entry, before, after, scores, ignored, true);
    }

    /** Copies the lists. */
    public EditOutcome {
        before = List.copyOf(before);
        after = List.copyOf(after);
        scores = List.copyOf(scores);
        ignored = List.copyOf(ignored);
    }
}
