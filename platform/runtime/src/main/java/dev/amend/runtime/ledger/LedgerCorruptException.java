package dev.amend.runtime.ledger;

import java.nio.file.Path;

/** The ledger's records or deltas are damaged in a way that cannot be repaired without losing acknowledged edits. */
public final class LedgerCorruptException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception naming the damaged file. */
    public LedgerCorruptException(Path file, String problem) {
        this(String.valueOf(file), problem);
    }

    /** Creates the exception naming where the damaged ledger lives. */
    public LedgerCorruptException(String location, String problem) {
        super("edit ledger " + location + ": " + problem);
    }
}
