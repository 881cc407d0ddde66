package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench lifelong and bench counterfact --sequential --plot on the demo model, a few GRACE edits. */
class BenchLifelongCliTest {
    @TempDir
    Path dir;

    @Test
    void lifelongWritesTheTableInItsFormatTheDetailsAndOnePicture() throws Exception {
        Object[] r = run("bench", "lifelong", "--methods", "grace", "--edits", "4", "--seed", "3", "--untouched", "6",
                "--neighbours", "2", "--out", dir.toString());
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = JsonParser.parseString(Files.readString(dir.resolve("lifelong.json"))).getAsJsonObject();
        assertEquals(Set.of("seed", "facts", "methods"), o.keySet());
        assertEquals(3, o.get("seed").getAsLong());
        assertEquals("heldout", o.get("facts").getAsString());
        JsonObject grace = o.getAsJsonObject("methods").getAsJsonObject("grace");
        assertEquals(Set.of("seconds_per_edit", "checkpoints"), grace.keySet());
        JsonArray points = grace.getAsJsonArray("checkpoints");
        assertEquals(3, points.size(), "a quarter, a half and all of 4 edits: 1, 2, 4");
        JsonObject last = points.get(2).getAsJsonObject();
        assertEquals(Set.of("edits", "efficacy", "generalization", "specificity", "untouched_kept"), last.keySet());
        assertEquals(4, last.get("edits").getAsInt());
        assertTrue(last.get("efficacy").getAsDouble() >= 0.75, last.toString());
        assertTrue(last.get("untouched_kept").getAsDouble() >= 5.0 / 6, last.toString());
        String md = Files.readString(dir.resolve("lifelong.md"));
        assertTrue(md.contains("| grace | 4 |") && md.contains("stored bytes per 100 edits"), md);
        assertTrue(md.contains("Command: `./amend bench lifelong --methods grace --edits 4"), md);
        JsonObject details = JsonParser.parseString(Files.readString(dir.resolve("lifelong-details.json")))
                .getAsJsonObject().getAsJsonObject("grace");
        assertTrue(details.get("adapter_bytes_per_100_edits").getAsDouble() > 0, details.toString());
        assertTrue(Files.size(dir.resolve("lifelong.png")) > 1000);
    }

    @Test
    void jsonPrintsOneObjectWithTheSettingsEachMethodsFiguresAndDetailsAndTheFiles() throws Exception {
        Object[] r = run("bench", "lifelong", "--methods", "grace", "--edits", "4", "--seed", "3", "--untouched", "4",
                "--neighbours", "2", "--checkpoints", "2,4", "--out", dir.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).strip().split("\n");
        assertEquals(1, lines.length, "only the JSON object on stdout: " + r[1]);
        JsonObject o = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(List.of("seed", "facts", "edits", "batch_size", "untouched", "max_edit_seconds", "methods",
                "files"), List.copyOf(o.keySet()));
        assertEquals(3, o.get("seed").getAsLong());
        assertEquals("heldout", o.get("facts").getAsString());
        assertEquals(4, o.get("edits").getAsInt());
        assertEquals(1, o.get("batch_size").getAsInt());
        assertEquals(4, o.get("untouched").getAsInt());
        JsonObject grace = o.getAsJsonObject("methods").getAsJsonObject("grace");
        JsonObject stored = JsonParser.parseString(Files.readString(dir.resolve("lifelong.json"))).getAsJsonObject()
                .getAsJsonObject("methods").getAsJsonObject("grace");
        JsonObject details = JsonParser.parseString(Files.readString(dir.resolve("lifelong-details.json")))
                .getAsJsonObject().getAsJsonObject("grace");
        assertTrue(grace.keySet().containsAll(stored.keySet()) && grace.keySet().containsAll(details.keySet()),
                grace.keySet().toString());
        assertEquals(4, grace.get("edits").getAsInt());
        assertEquals(0, grace.get("stopped_at").getAsInt());
        assertEquals(stored.get("seconds_per_edit"), grace.get("seconds_per_edit"));
        assertEquals(details.get("adapter_bytes_per_100_edits"), grace.get("adapter_bytes_per_100_edits"));
        assertTrue(grace.get("stored_bytes_per_100_edits").getAsDouble() > 0, grace.toString());
        JsonArray points = grace.getAsJsonArray("checkpoints");
        assertEquals(2, points.size());
        for (int i = 0; i < 2; i++) {
            JsonObject p = points.get(i).getAsJsonObject();
            JsonObject s = stored.getAsJsonArray("checkpoints").get(i).getAsJsonObject();
            s.keySet().forEach(k -> assertEquals(s.get(k), p.get(k), k));
            assertTrue(p.has("recent_efficacy") && p.has("edit_seconds") && p.has("stored_bytes"), p.toString());
        }
        assertEquals(4, points.get(1).getAsJsonObject().get("edits").getAsInt());
        List<String> files = new java.util.ArrayList<>();
        o.getAsJsonArray("files").forEach(f -> files.add(f.getAsString()));
        assertEquals(List.of("lifelong.json", "lifelong.md", "lifelong-details.json", "lifelong.png"),
                files.stream().map(f -> Path.of(f).getFileName().toString()).toList());
        files.forEach(f -> assertTrue(Files.isRegularFile(Path.of(f)), f));
    }

    @Test
    void sequentialCounterfactPlotsItsCheckpointsAndDrawsFromTheHeldOutFacts() throws Exception {
        Path png = dir.resolve("curve.png");
        Object[] r = run("bench", "counterfact", "--method", "grace", "--sequential", "--edits", "4", "--batch-size",
                "2", "--checkpoint-every", "2", "--untouched", "4", "--neighbours", "2", "--fluency-cases", "0",
                "--plot", png.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).strip().split("\n");
        JsonObject o = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertEquals("heldout", o.get("split").getAsString());
        assertEquals("sequential", o.get("mode").getAsString());
        JsonArray points = o.getAsJsonArray("checkpoints");
        assertEquals(2, points.size());
        assertTrue(points.get(1).getAsJsonObject().has("untouched_kept"), points.toString());
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void aPlotWithoutSequentialAndAnUnknownHparamsMethodAreRefusedWithExitCode2() {
        Object[] plot = run("bench", "counterfact", "--method", "none", "--edits", "2", "--plot",
                dir.resolve("x.png").toString());
        assertEquals(2, plot[0]);
        assertTrue(((String) plot[2]).contains("--sequential"), (String) plot[2]);
        Object[] hp = run("bench", "lifelong", "--methods", "grace", "--edits", "2", "--hparams", "memit=x.yaml",
                "--out", dir.toString());
        assertEquals(2, hp[0]);
        assertTrue(((String) hp[2]).contains("memit"), (String) hp[2]);
    }
}
