package dev.amend.server;

import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Unexpected failures: logged in full with an incident id, answered with a sentence that carries only that id, so
 * no exception class, message or server path reaches a client.
 */
public final class InternalErrors {
    private static final Logger LOG = Logger.getLogger(InternalErrors.class);

    private InternalErrors() {
    }

    /** Logs {@code error} (what was being done: {@code doing}) and returns the message for the client. */
    public static String report(String doing, Throwable error) {
        return "internal error (incident " + incident(doing, error) + "): the host could not complete this and"
                + " logged the details under that incident id";
    }

    /** Logs {@code error} in full and returns the incident id it was logged under. */
    public static String incident(String doing, Throwable error) {
        String incident = UUID.randomUUID().toString().substring(0, 8);
        LOG.errorf(error, "%s failed (incident %s)", doing, incident);
        return incident;
    }
}
