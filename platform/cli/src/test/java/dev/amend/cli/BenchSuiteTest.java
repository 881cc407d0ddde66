package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench suite runs a section's commands in-process, stores their answers and renders the table with its provenance. */
class BenchSuiteTest {
    private static final SuiteSection SMALL = new SuiteSection("counterfact", "Small", "Three edits, two seeds.",
            List.of(new SuiteSection.Row("none", "none", List.of("bench", "counterfact", "--method", "none", "--edits",
                    "3", "--split", "heldout", "--seeds", "11,12", "--fluency-cases", "0", "--json")),
                    new SuiteSection.Row("rome", "rome", List.of("bench", "counterfact", "--method", "rome"))),
            SuiteTables::counterfact);

    @Test
    void aRowRunsInProcessAndItsTableCarriesTheSpreadAndTheProvenance(@TempDir Path dir) {
        Path file = dir.resolve("results.json");
        SuiteStore store = SuiteStore.open(file);
        SuiteRunner runner = new SuiteRunner(store, Path.of(System.getProperty("amend.home", "../..")));
        assertTrue(runner.run(SMALL, SMALL.rows().get(0)));
        SuiteSection.Run stored = SuiteStore.open(file).get("counterfact/none");
        assertNotNull(stored, "the answer is in the file");
        assertEquals("./amend bench counterfact --method none --edits 3 --split heldout --seeds 11,12 --fluency-cases 0"
                + " --json", stored.command());
        assertEquals(Runtime.getRuntime().availableProcessors(), stored.cores());
        String md = BenchSuiteCommand.render(SMALL, SuiteStore.open(file));
        assertTrue(md.startsWith("## Small\n\nThree edits, two seeds."), md);
        assertTrue(md.contains("| `none` | 3 × 2 | 0.00 ± 0.00 |"), md);
        assertTrue(md.contains("commit " + runner.commit() + ", " + stored.cores() + " cores"), md);
        assertTrue(md.contains("`rome`: `./amend bench counterfact --method rome` — not measured yet"), md);
    }

    @Test
    void aFailingRowIsReportedAndKeepsTheStoredAnswer(@TempDir Path dir) {
        SuiteStore store = SuiteStore.open(dir.resolve("results.json"));
        SuiteSection.Row bad = new SuiteSection.Row("bad", "bad", List.of("bench", "counterfact", "--method", "nosuch",
                "--json"));
        assertTrue(!new SuiteRunner(store, dir).run(SMALL, bad));
        assertEquals(Map.of(), store.of(SMALL));
    }

    @Test
    void listNamesEverySectionAndOutWritesOnlyWhatRan(@TempDir Path dir) throws java.io.IOException {
        Object[] list = run("bench", "suite", "--list");
        assertEquals(0, list[0], (String) list[2]);
        for (String s : List.of("counterfact", "tuning", "sequential", "longform", "layers", "lifelong", "facts",
                "forward", "editing")) {
            assertTrue(((String) list[1]).contains(s + "\n") || ((String) list[1]).contains(s + " ("), s);
        }
        Path doc = dir.resolve("results.md");
        Files.writeString(doc, "# Results\n\nby hand\n");
        Object[] none = run("bench", "suite", "--sections", "facts", "--no-run", "--out", doc.toString());
        assertEquals(0, none[0], (String) none[2]);
        assertEquals("# Results\n\nby hand\n", Files.readString(doc), "nothing stored, nothing written");
        Object[] unknown = run("bench", "suite", "--sections", "nosuch");
        assertEquals(2, unknown[0]);
        assertTrue(((String) unknown[2]).contains("no section \"nosuch\""), (String) unknown[2]);
    }
}
