package dev.amend.spi;

/** Bad input from a user: the message says what to fix. The model is left unchanged. */
public class InvalidRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what to fix. */
    public InvalidRequestException(String message) {
        super(message);
    }

    /** Creates the exception with a message that says what to fix and the underlying cause. */
    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
