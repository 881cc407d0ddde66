package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amend stats}: the sample counted in texts (as mom2_n_samples), in tokens, or both. */
class StatsCliTest {
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

    private static JsonObject layer(Object[] r) {
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = JsonParser.parseString(((String) r[1]).strip()).getAsJsonObject();
        return o.getAsJsonArray("layers").get(0).getAsJsonObject();
    }

    @Test
    void textsTakeThatManyTextsAndNameTheCacheFileAsTheEditorsDo() {
        JsonObject l = layer(run("stats", "--layers", "1", "--texts", "7", "--json"));
        assertEquals(7, l.get("texts").getAsInt());
        assertTrue(l.get("tokens").getAsLong() > 7, l.toString());
        String file = l.get("file").getAsString();
        assertTrue(file.contains("-texts7-tokens" + l.get("tokens").getAsLong()), file);
        assertTrue(Files.isRegularFile(Path.of(file)), file);

        JsonObject again = layer(run("stats", "--layers", "1", "--texts", "7", "--json"));
        assertTrue(again.get("cached").getAsBoolean(), again.toString());
    }

    @Test
    void bothBoundsStopAtTheFirstReached() {
        JsonObject l = layer(run("stats", "--layers", "1", "--texts", "50", "--tokens", "300", "--json"));
        assertEquals(300, l.get("tokens").getAsLong());
        assertTrue(l.get("texts").getAsInt() < 50, l.toString());
    }

    @Test
    void zeroTextsIsRefusedWithWhatToFix() {
        Object[] r = run("stats", "--layers", "1", "--texts", "0");
        assertNotEquals(0, r[0]);
        assertTrue(((String) r[2]).contains("at least one text"), (String) r[2]);
    }
}
