package dev.amend.server.auth;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The host's bearer-token check, shared by REST and gRPC. Mutating calls need
 * {@code Authorization: Bearer <amend.auth.token>} (env {@code AMEND_AUTH_TOKEN}); with no token configured
 * they are refused. Reads are open unless {@code amend.auth.protect-reads=true}.
 */
@ApplicationScoped
public class BearerAuth {
    @ConfigProperty(name = "amend.auth.token")
    Optional<String> token;

    @ConfigProperty(name = "amend.auth.protect-reads", defaultValue = "false")
    boolean protectReads;

    /** Returns true when {@code authorization} (may be null) carries the host's token: the caller may see server paths. */
    public boolean authenticated(String authorization) {
        String expected = token.map(String::strip).filter(t -> !t.isEmpty()).orElse(null);
        if (expected == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns true when reads need the token too ({@code amend.auth.protect-reads}). */
    public boolean readsProtected() {
        return protectReads;
    }

    /** Returns normally when a call carrying {@code authorization} (may be null) may proceed; else throws. */
    public void check(String authorization, boolean mutating) {
        if (!mutating && !protectReads) {
            return;
        }
        String expected = token.map(String::strip).filter(t -> !t.isEmpty()).orElse(null);
        if (expected == null) {
            throw new AccessDeniedException((mutating ? "changes" : "reads") + " are refused: this host has no token"
                    + " configured. Start it with AMEND_AUTH_TOKEN=<secret> (or -Damend.auth.token=<secret>) and send"
                    + " Authorization: Bearer <secret>", true);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AccessDeniedException("this call needs a bearer token: send Authorization: Bearer <token>"
                    + " (the host's amend.auth.token)", false);
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new AccessDeniedException("the bearer token is wrong: send the host's amend.auth.token", false);
        }
    }
}
