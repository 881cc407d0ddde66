package dev.amend.server.editing;

/**
 * An idempotency key sent again with a different edit (answered 422 / ALREADY_EXISTS): the key names the first
 * request, so the second is neither applied nor answered with the first one's result.
 */
public class KeyReusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message saying what to do. */
    public KeyReusedException(String message) {
        super(message);
    }
}
