package dev.amend.server.api;

import dev.amend.server.ShutdownDrain;
import dev.amend.server.UnavailableException;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Refuses changes under {@code /api} with 503 and Retry-After once the host has begun to shut down. */
public class DrainFilter {
    @Inject
    ShutdownDrain drain;

    /** Throws {@link UnavailableException} for a change during shutdown. */
    @ServerRequestFilter
    public void check(ContainerRequestContext request) {
        if (drain.draining() && AuthFilter.mutating(request)) {
            throw new UnavailableException("the host is shutting down and takes no more changes: retry in "
                    + drain.retryAfterSeconds() + " s (on another replica, or this one once restarted)",
                    drain.retryAfterSeconds());
        }
    }
}
