package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sections of bench suite go between their markers; everything else in the document stays. */
class SuiteDocumentTest {
    private static final String DOC = "# Results\n\nintro\n\n" + SuiteDocument.block("a", "old a") + "\n\n"
            + "## Written by hand\n\nkept\n\n" + SuiteDocument.block("b", "old b") + "\n\n## History\n\nold tables\n";

    @Test
    void aRenderedSectionReplacesItsBlockAndNothingElse() {
        String merged = SuiteDocument.merge(DOC, Map.of("b", "new b"));
        assertEquals(DOC.replace("old b", "new b"), merged);
    }

    @Test
    void aNewSectionGoesBeforeTheHistory() {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("c", "new c");
        String merged = SuiteDocument.merge(DOC, bodies);
        assertTrue(merged.contains(SuiteDocument.block("c", "new c") + "\n\n## History\n"), merged);
        assertTrue(merged.contains("old a") && merged.contains("old b") && merged.contains("kept"));
        String noHistory = SuiteDocument.merge("# Results\n", bodies);
        assertEquals("# Results\n\n" + SuiteDocument.block("c", "new c") + "\n", noHistory);
    }

    @Test
    void aBlockWithOneMarkerIsRefused() {
        String broken = DOC.replace(SuiteDocument.end("a"), "");
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SuiteDocument.merge(broken, Map.of("a", "x")));
        assertTrue(e.getMessage().contains("only one of the markers of section a"), e.getMessage());
    }
}
