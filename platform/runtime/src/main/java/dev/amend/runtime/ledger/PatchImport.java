package dev.amend.runtime.ledger;

import java.util.List;

/**
 * What importing a patch did.
 *
 * @param added   the entries recorded, in the patch's order
 * @param skipped ids (as exported) of the patch's edits the history already held, which were not applied again
 */
public record PatchImport(List<LedgerEntry> added, List<String> skipped) {
    /** Copies the lists. */
    public PatchImport {
        added = List.copyOf(added);
        skipped = List.copyOf(skipped);
    }

    /** Returns a sentence for the caller when edits were skipped, or null when every edit was recorded. */
    public String message() {
        if (skipped.isEmpty()) {
            return null;
        }
        return skipped.size() + " edit(s) of the patch are already in the history and were not applied again ("
                + String.join(", ", skipped) + ")" + (added.isEmpty() ? ": nothing changed" : "");
    }
}
