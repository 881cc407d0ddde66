package dev.amend.server.auth;

/** A call without the right to do what it asked (answered 401 / UNAUTHENTICATED or 403 / PERMISSION_DENIED). */
public class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean unconfigured;

    /** Creates the exception; {@code unconfigured} is true when the host has no token at all (403). */
    public AccessDeniedException(String message, boolean unconfigured) {
        super(message);
        this.unconfigured = unconfigured;
    }

    /** Returns true when the host has no token configured, so no caller may mutate (403), false for a bad or missing token (401). */
    public boolean unconfigured() {
        return unconfigured;
    }
}
