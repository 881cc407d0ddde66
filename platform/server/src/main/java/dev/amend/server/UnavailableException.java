package dev.amend.server;

/** A change refused because the host is shutting down (answered 503 with Retry-After / gRPC UNAVAILABLE). */
public class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long retryAfterSeconds;

    /** Creates the exception; {@code retryAfterSeconds} is when to retry (another replica, or this one restarted). */
    public UnavailableException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Returns the seconds a client should wait before retrying. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
