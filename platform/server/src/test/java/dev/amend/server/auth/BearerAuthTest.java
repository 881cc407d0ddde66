package dev.amend.server.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The token rules without a running host: no token configured refuses changes; protected reads need the token. */
class BearerAuthTest {
    static BearerAuth auth(String token, boolean protectReads) {
        BearerAuth a = new BearerAuth();
        a.token = Optional.ofNullable(token);
        a.protectReads = protectReads;
        return a;
    }

    @Test
    void withoutAConfiguredTokenChangesAreRefusedSayingHowToConfigure() {
        AccessDeniedException e = assertThrows(AccessDeniedException.class,
                () -> auth(null, false).check("Bearer anything", true));
        assertTrue(e.unconfigured());
        assertTrue(e.getMessage().contains("AMEND_AUTH_TOKEN"), e.getMessage());
        assertThrows(AccessDeniedException.class, () -> auth("  ", false).check("Bearer   ", true));
        assertDoesNotThrow(() -> auth(null, false).check(null, false), "reads are open by default");
    }

    @Test
    void theTokenMustMatch() {
        BearerAuth a = auth("s3cret", false);
        assertDoesNotThrow(() -> a.check("Bearer s3cret", true));
        assertDoesNotThrow(() -> a.check("bearer s3cret", true));
        assertFalse(assertThrows(AccessDeniedException.class, () -> a.check("Bearer s3cre", true)).unconfigured());
        assertThrows(AccessDeniedException.class, () -> a.check("s3cret", true));
        assertThrows(AccessDeniedException.class, () -> a.check(null, true));
    }

    @Test
    void protectedReadsNeedTheToken() {
        BearerAuth a = auth("s3cret", true);
        assertThrows(AccessDeniedException.class, () -> a.check(null, false));
        assertDoesNotThrow(() -> a.check("Bearer s3cret", false));
    }
}
