package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a command writes while it works, when stderr is not a terminal (as under the test runner, a pipe or a log). */
class ProgressOutputTest {
    @TempDir
    Path cache;

    @BeforeEach
    void freshCache() {
        System.setProperty("amend.cache.dir", cache.toString());
    }

    @AfterEach
    void clearCache() {
        System.clearProperty("amend.cache.dir");
    }

    @Test
    void progressIsOnePlainLinePerStageOnStderr() {
        Object[] r = run("stats", "--layers", "1", "--tokens", "3000");
        String err = (String) r[2];
        assertEquals(0, r[0], err);
        assertFalse(err.contains("\r") || err.contains("\u001b"), err);
        assertEquals(1, err.lines().filter(l -> l.startsWith("layer statistics 100%")).count(), err);
        assertFalse(((String) r[1]).contains("layer statistics"), (String) r[1]);
    }

    @Test
    void jsonLeavesStdoutOneObjectAndWritesNoProgress() {
        Object[] r = run("stats", "--layers", "1", "--tokens", "3000", "--json");
        assertEquals(0, r[0], (String) r[2]);
        String out = ((String) r[1]).strip();
        assertEquals(1, out.lines().count(), out);
        assertTrue(JsonParser.parseString(out).isJsonObject(), out);
        assertFalse(((String) r[2]).contains("layer statistics"), (String) r[2]);
    }
}
