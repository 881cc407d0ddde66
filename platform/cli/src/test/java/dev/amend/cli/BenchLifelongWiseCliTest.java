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

/** bench lifelong runs WISE beside GRACE on the demo model: a couple of edits each. */
class BenchLifelongWiseCliTest {
    @TempDir
    Path dir;

    @Test
    void lifelongAcceptsWiseAndStoresItsAdapters() throws Exception {
        Object[] r = run("bench", "lifelong", "--methods", "wise,grace", "--edits", "2", "--seed", "3", "--untouched",
                "4", "--neighbours", "2", "--out", dir.toString());
        assertEquals(0, r[0], (String) r[2]);
        JsonObject methods = JsonParser.parseString(Files.readString(dir.resolve("lifelong.json"))).getAsJsonObject()
                .getAsJsonObject("methods");
        assertTrue(methods.has("wise") && methods.has("grace"), methods.toString());
        JsonObject details = JsonParser.parseString(Files.readString(dir.resolve("lifelong-details.json")))
                .getAsJsonObject().getAsJsonObject("wise");
        assertTrue(details.get("adapter_bytes_per_100_edits").getAsDouble() > 0, details.toString());
        assertTrue(Files.readString(dir.resolve("lifelong.md")).contains("| wise | 2 |"));
    }
}
