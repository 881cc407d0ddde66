package dev.amend.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.api.ApiTypes.ErrorBody;
import dev.amend.server.api.ErrorMapping;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

/** An unexpected failure answers 500 with a code and a reference to the log, never the exception's class or text. */
class ErrorBodiesTest {
    @Test
    void internalErrorsNameNoClassAndNoPath() {
        Response r = new ErrorMapping().other(new IllegalStateException("cannot open /srv/secret/ledger"));
        assertEquals(500, r.getStatus());
        ErrorBody body = (ErrorBody) r.getEntity();
        assertEquals("internal", body.error());
        assertFalse(body.message().contains("IllegalStateException") || body.message().contains("/srv"),
                body.message());
        assertTrue(body.message().contains("incident"), body.message());
    }
}
