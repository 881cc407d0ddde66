package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code amend bench linalg}: its JSON contract and its refusals, at sizes that take milliseconds. */
class BenchLinalgCliTest {
    @Test
    void jsonHasTheDeviceAndOneRowPerSizeAndPathWithExactlyTheContractFields() {
        Object[] r = run("bench", "linalg", "--sizes", "48,64", "--json");
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).strip().split("\n");
        JsonObject o = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertEquals(Set.of("device", "results"), o.keySet());
        assertEquals("cpu()", o.get("device").getAsString());
        List<String> seen = new java.util.ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("results")) {
            JsonObject row = e.getAsJsonObject();
            assertEquals(Set.of("n", "path", "solve_seconds", "projector_seconds", "matmul_seconds"), row.keySet());
            for (String f : List.of("solve_seconds", "projector_seconds", "matmul_seconds")) {
                assertTrue(row.get(f).getAsDouble() > 0, row.toString());
            }
            seen.add(row.get("n").getAsInt() + " " + row.get("path").getAsString());
        }
        assertEquals(List.of("48 java", "48 torch", "64 java", "64 torch"), seen);
    }

    @Test
    void theTableNamesEveryPathAndBadOptionsAreRefused() {
        Object[] r = run("bench", "linalg", "--sizes", "32", "--paths", "torch");
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[1]).contains("torch") && !((String) r[1]).contains(" java "), (String) r[1]);
        Object[] path = run("bench", "linalg", "--sizes", "32", "--paths", "lapack");
        assertEquals(2, path[0]);
        assertTrue(((String) path[2]).contains("use java, torch or both"), (String) path[2]);
        Object[] size = run("bench", "linalg", "--sizes", "1");
        assertEquals(2, size[0]);
        assertTrue(((String) size[2]).contains("at least 2"), (String) size[2]);
        Object[] device = run("bench", "linalg", "--sizes", "32", "--device", "cuda:7");
        assertEquals(2, device[0]);
        assertTrue(((String) device[2]).contains("-Pcuda"), (String) device[2]);
    }
}
