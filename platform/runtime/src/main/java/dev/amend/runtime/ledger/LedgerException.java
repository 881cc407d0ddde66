package dev.amend.runtime.ledger;

/**
 * The ledger refuses to open or go on: it is open elsewhere, was written for another base model or by
 * a newer format, or its files are damaged ({@link LedgerCorruptException}). The message says what to do.
 */
public class LedgerException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what to do. */
    public LedgerException(String message) {
        super(message);
    }
}
