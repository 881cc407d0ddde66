package dev.amend.runtime.ledger;

import dev.amend.runtime.model.Transformer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The process {@link LedgerCrashTest} kills: opens the ledger in {@code args[0]} on a fresh tiny model,
 * prints {@code OPEN <n>}, then records the deterministic stream edits n, n+1, ... and prints
 * {@code ACK <k> <id> .} after each {@code record} has returned (the edit is acknowledged), until killed.
 */
public final class LedgerCrashChild {
    private LedgerCrashChild() {
    }

    /** Runs until killed (or until {@code args[1]} edits exist). */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int max = Integer.parseInt(args[1]);
        Transformer model = LedgerFixtures.gpt2(LedgerFixtures.SEED);
        EditLedger ledger = EditLedger.open(dir, model);
        int n = ledger.entries().size();
        System.out.println("OPEN " + n);
        System.out.flush();
        for (int k = n; k < max; k++) {
            LedgerEntry e = ledger.record(LedgerFixtures.streamEdit(model, k), Map.of("k", k));
            System.out.println("ACK " + k + " " + e.id() + " .");
            System.out.flush();
        }
        System.out.println("DONE");
        System.out.flush();
        ledger.close();
        model.close();
    }
}
