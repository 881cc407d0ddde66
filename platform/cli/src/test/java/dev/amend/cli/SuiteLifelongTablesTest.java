package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifelong section rendered from the JSON answers of {@code bench lifelong --json}. */
class SuiteLifelongTablesTest {
    private static SuiteSection.Run run(String json) {
        return new SuiteSection.Run("./amend bench lifelong --json", "abc1234", 2, "2026-01-01T00:00Z", 10,
                JsonParser.parseString(json).getAsJsonObject());
    }

    private static SuiteSection section() {
        return SuiteSections.all().stream().filter(x -> x.name().equals("lifelong")).findFirst().orElseThrow();
    }

    @Test
    void rowsRunEachMethodOverTheUntunedSplitWithATimeBudget() {
        SuiteSection s = section();
        assertEquals("Lifelong editing: 1,000 sequential edits", s.title());
        assertEquals(List.of("grace", "wise", "ultraedit", "alphaedit", "memit"),
                s.rows().stream().map(SuiteSection.Row::name).toList());
        assertEquals("./amend bench lifelong --methods wise --edits 1000 --seed 2 --split untuned --out"
                + " docs/lifelong-demo/wise --max-edit-seconds 900 --json", s.row("wise").command());
        assertTrue(s.about().contains("197 subjects") && s.about().contains("900 s"), s.about());
        assertTrue(s.row("memit").command().endsWith("--out docs/lifelong-demo/memit --max-edit-seconds 600 --json"),
                s.row("memit").command());
        for (SuiteSection.Row row : s.rows()) {
            AmendCli.commandLine().parseArgs(row.args().toArray(String[]::new));
        }
    }

    @Test
    void checkpointsSizesStopsAndPicturesOfTheMeasuredMethodsAndTheRestNotMeasured() {
        String table = section().renderer().render(section(), Map.of("grace", run("""
                {"seed":2,"facts":"untuned","edits":1000,"batch_size":1,"untouched":50,"max_edit_seconds":900,
                 "methods":{"grace":{"seconds_per_edit":0.9704,"checkpoints":[
                   {"edits":100,"efficacy":1.0,"generalization":0.1801,"specificity":0.9756,"untouched_kept":1.0},
                   {"edits":1000,"efficacy":0.996,"generalization":0.194,"specificity":null,"untouched_kept":0.98}],
                  "edits":1000,"stopped_at":0,"stored_bytes_per_100_edits":512000.0,
                  "adapter_bytes_per_100_edits":512000.0}},"files":[]}"""), "memit", run("""
                {"seed":2,"facts":"untuned","edits":1000,"batch_size":1,"untouched":50,"max_edit_seconds":900,
                 "methods":{"memit":{"seconds_per_edit":4.6,"checkpoints":[
                   {"edits":100,"efficacy":0.514,"generalization":0.4,"specificity":0.62,"untouched_kept":0.5},
                   {"edits":250,"efficacy":0.3,"generalization":0.25,"specificity":0.5,"untouched_kept":0.36}],
                  "edits":250,"stopped_at":250,"stored_bytes_per_100_edits":4362240.0,
                  "adapter_bytes_per_100_edits":0.0}},"files":[]}""")));
        assertTrue(table.contains("| `grace` | 100 | 1.00 | 0.18 | 0.98 | 1.00 |"), table);
        assertTrue(table.contains("| `grace` | 1000 | 1.00 | 0.19 | — | 0.98 |"), table);
        assertTrue(table.contains("| `memit` | 250 | 0.30 | 0.25 | 0.50 | 0.36 |"), table);
        assertTrue(table.contains("| `grace` | 0.970 | 512.0 KB | 512.0 KB | — |"), table);
        assertTrue(table.contains("| `memit` | 4.600 | 4.4 MB | 0.0 KB | 250 |"), table);
        assertTrue(table.contains("| `wise` | not measured yet | | | | |"), table);
        assertTrue(table.contains("| `wise` | not measured yet | | | |"), table);
        assertTrue(table.contains("[grace](lifelong-demo/grace/lifelong.png), [memit](lifelong-demo/memit/lifelong.png)"),
                table);
        assertFalse(table.contains("lifelong-demo/wise/lifelong.png)"), table);
        assertTrue(table.contains("* `wise`: `./amend bench lifelong --methods wise --edits 1000 --seed 2 --split"
                + " untuned --out docs/lifelong-demo/wise --max-edit-seconds 900 --json` — not measured yet"), table);
        assertTrue(table.contains("* `grace`: `./amend bench lifelong --methods grace") && table.contains(
                "— commit abc1234, 2 cores, 2026-01-01T00:00Z, 10 s"), table);
    }

    @Test
    void nothingMeasuredGivesNoPictures() {
        String table = section().renderer().render(section(), Map.of());
        assertFalse(table.contains("Pictures"), table);
        assertEquals(5, table.split("not measured yet \\| \\| \\| \\| \\|\n", -1).length - 1, table);
    }

    @Test
    void sizesAreInKilobytesBelowAMillionBytesElseInMegabytes() {
        assertEquals("999.9 KB", SuiteLifelongTables.bytes(999_900));
        assertEquals("1.0 MB", SuiteLifelongTables.bytes(1_000_000));
        assertEquals("—", SuiteLifelongTables.bytes(Double.NaN));
    }
}
