package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI serves UltraEdit: bench lifelong runs it beside another method, a few edits on the demo model. */
class UltraEditCliTest {
    @TempDir
    Path dir;

    @Test
    void benchLifelongAcceptsUltraEdit() throws Exception {
        Object[] r = run("bench", "lifelong", "--methods", "ultraedit,grace", "--edits", "2", "--seed", "3",
                "--untouched", "4", "--neighbours", "1", "--out", dir.toString());
        assertEquals(0, r[0], (String) r[2]);
        JsonObject methods = JsonParser.parseString(Files.readString(dir.resolve("lifelong.json"))).getAsJsonObject()
                .getAsJsonObject("methods");
        assertTrue(methods.has("ultraedit") && methods.has("grace"), methods.toString());
        assertTrue(Files.readString(dir.resolve("lifelong.md")).contains("| ultraedit | 2 |"));
    }
}
