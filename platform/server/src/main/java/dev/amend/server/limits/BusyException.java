package dev.amend.server.limits;

/** A request refused because the host is at a configured limit (answered 429 / RESOURCE_EXHAUSTED with Retry-After). */
public class BusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    /** Creates the exception; {@code retryAfterSeconds} (at least 1) is when a retry may succeed. */
    public BusyException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** Returns the seconds a client should wait before retrying (at least 1). */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
