package dev.amend.runtime.ledger;

import dev.amend.runtime.model.Transformer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The process {@link LedgerCrashTest} kills: opens the ledger in {@code args[0]} on a fresh tiny model,
 * prints {@code OPEN <last sequence>}, then runs operation s = last + 1, last + 2, ... ({@link #isRollback}
 * says which are rollbacks, the others record stream edit s) and prints {@code ACK <s> .} after each
 * call has returned (the operation is acknowledged), until killed.
 */
public final class LedgerCrashChild {
    private LedgerCrashChild() {
    }

    /** Returns true when operation {@code s} rolls back an edit (when the history has one). */
    static boolean isRollback(long s) {
        return s % 10 == 0;
    }

    /** Returns the history index operation {@code s} rolls back in a history of {@code size} edits. */
    static int rollbackIndex(long s, int size) {
        return (int) ((s / 10 * 7) % size);
    }

    /** Runs until killed (or until the last sequence is {@code args[1]}). */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long max = Long.parseLong(args[1]);
        Transformer model = LedgerFixtures.gpt2(LedgerFixtures.SEED);
        EditLedger ledger = EditLedger.open(dir, model);
        System.out.println("OPEN " + ledger.lastSequence());
        System.out.flush();
        for (long s = ledger.lastSequence() + 1; s <= max; s++) {
            List<LedgerEntry> history = ledger.entries();
            if (isRollback(s) && !history.isEmpty()) {
                ledger.rollback(List.of(history.get(rollbackIndex(s, history.size())).id()));
            } else {
                ledger.record(LedgerFixtures.streamEdit(model, (int) s), Map.of("s", s));
            }
            System.out.println("ACK " + s + " .");
            System.out.flush();
        }
        System.out.println("DONE");
        System.out.flush();
        ledger.close();
        model.close();
    }
}
