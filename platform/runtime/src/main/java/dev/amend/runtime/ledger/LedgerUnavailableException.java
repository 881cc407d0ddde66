package dev.amend.runtime.ledger;

/**
 * A shared ledger cannot be written now: its database does not answer, this process lost the right to write
 * (another writer appended first), or the right was not free in time. Nothing was recorded; trying again later may
 * succeed.
 */
public final class LedgerUnavailableException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what happened and what to do. */
    public LedgerUnavailableException(String message) {
        super(message);
    }

    /** Creates the exception with a message and the failure behind it. */
    public LedgerUnavailableException(String message, Throwable cause) {
        super(message);
        initCause(cause);
    }
}
