package dev.amend.server.api;

import dev.amend.server.auth.BearerAuth;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Checks the bearer token on the REST API: every POST, PUT, PATCH or DELETE under {@code /api} changes
 * something (except generating text) and needs the token; reads need it when reads are protected.
 */
public class AuthFilter {
    @Inject
    BearerAuth auth;

    /** Throws {@link dev.amend.server.auth.AccessDeniedException} when the call may not proceed. */
    @ServerRequestFilter
    public void check(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/api/")) {
            return;
        }
        auth.check(request.getHeaderString(HttpHeaders.AUTHORIZATION), mutating(request));
    }

    /** Returns true for a call under {@code /api} that changes something: not a read, not a generation. */
    static boolean mutating(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        String method = request.getMethod();
        boolean read = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
        return path.startsWith("/api/") && !read && !path.endsWith("/generate");
    }
}
