package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amend ledger ...}, {@code generate --data-dir} and {@code edit --keep}'s checks, on the demo model. */
class LedgerCliTest {
    @TempDir
    Path dir;

    private static String last(Object[] r) {
        String[] lines = ((String) r[1]).strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Records two hand-made rank-one edits on the demo model's layer-1 MLP under {@code data}; returns their ids. */
    private static List<String> keepTwoEdits(Path data) {
        try (Transformer m = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, m)) {
            Random r = new Random(1);
            EditPoint p = m.architecture().editPoint(1);
            String a = ledger.record(edit(p, r, "France", " Rome"), Map.of("scores", Map.of("efficacy", 1.0))).id();
            String b = ledger.record(edit(p, r, "Japan", " Lima"), Map.of()).id();
            return List.of(a, b);
        }
    }

    private static Edit edit(EditPoint p, Random r, String subject, String target) {
        float[] u = new float[p.outFeatures()];
        float[] v = new float[p.inFeatures()];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (0.01 * r.nextGaussian());
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.01 * r.nextGaussian());
        }
        return new Edit("rome", "test", List.of(EditRequest.of("The capital of {} is", subject, target)),
                Map.of("layers", List.of(1)), List.of("{}"),
                List.of(new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1, u, v)), Map.of());
    }

    @Test
    void listShowExportImportRollbackAndGenerateWithKeptEdits() throws Exception {
        Path data = dir.resolve("data");
        List<String> ids = keepTwoEdits(data);
        String d = data.toString();

        Object[] list = run("ledger", "list", "--data-dir", d, "--json");
        assertEquals(0, list[0], (String) list[2]);
        JsonArray entries = JsonParser.parseString(last(list)).getAsJsonArray();
        assertEquals(2, entries.size());
        assertEquals(ids.get(0), entries.get(0).getAsJsonObject().get("id").getAsString());
        Object[] table = run("ledger", "list", "--data-dir", d);
        assertTrue(((String) table[1]).contains("The capital of Japan is -> Lima"), (String) table[1]);

        Object[] show = run("ledger", "show", ids.get(0), "--data-dir", d, "--json");
        assertEquals(0, show[0], (String) show[2]);
        JsonObject e = JsonParser.parseString(last(show)).getAsJsonObject();
        assertEquals("rome", e.get("method").getAsString());
        assertEquals(1.0, e.getAsJsonObject("info").getAsJsonObject("scores").get("efficacy").getAsDouble());
        assertEquals("low_rank", e.getAsJsonArray("deltas").get(0).getAsJsonObject().get("kind").getAsString());

        Object[] plain = run("generate", "--prompt", "The capital of France is", "--max-new-tokens", "3", "--json");
        Object[] kept = run("generate", "--data-dir", d, "--prompt", "The capital of France is", "--max-new-tokens", "3");
        assertEquals(0, kept[0], (String) kept[2]);
        assertTrue(((String) kept[2]).contains("demo with 2 kept edit(s)"), (String) kept[2]);

        Path patch = dir.resolve("edits.amendpatch");
        Object[] export = run("ledger", "export", ids.get(1), "--out", patch.toString(), "--data-dir", d);
        assertEquals(0, export[0], (String) export[2]);
        assertTrue(Files.size(patch) > 4 * (256 + 1024));
        Object[] imported = run("ledger", "import", patch.toString(), "--data-dir", dir.resolve("other").toString(),
                "--json");
        assertEquals(0, imported[0], (String) imported[2]);
        JsonArray added = JsonParser.parseString(last(imported)).getAsJsonArray();
        assertEquals(1, added.size());
        assertEquals(ids.get(1), added.get(0).getAsJsonObject().getAsJsonObject("info")
                .getAsJsonObject("imported_from").get("id").getAsString());

        Object[] rollback = run("ledger", "rollback", ids.get(0), "--data-dir", d, "--json");
        assertEquals(0, rollback[0], (String) rollback[2]);
        JsonObject rb = JsonParser.parseString(last(rollback)).getAsJsonObject();
        assertTrue(rb.get("recomputedFromBase").getAsBoolean());
        assertTrue(rb.get("warning").getAsString().contains(ids.get(1)), rb.toString());
        assertEquals(1, JsonParser.parseString(last(run("ledger", "list", "--data-dir", d, "--json")))
                .getAsJsonArray().size());
        Object[] rest = run("ledger", "rollback", ids.get(1), "--data-dir", d);
        assertEquals(0, rest[0], (String) rest[2]);
        Object[] back = run("generate", "--data-dir", d, "--prompt", "The capital of France is", "--max-new-tokens", "3",
                "--json");
        assertEquals(last(plain), last(back), "with every kept edit rolled back the model answers as the base");
    }

    @Test
    void missingDataDirAndUnknownIdsAreClearErrors() {
        Object[] keep = run("edit", "--prompt", "The capital of {} is", "--subject", "France", "--target", "Rome",
                "--keep");
        assertEquals(2, keep[0]);
        assertTrue(((String) keep[2]).contains("amend: --keep needs a data directory"), (String) keep[2]);
        Object[] list = run("ledger", "list");
        assertEquals(2, list[0]);
        assertTrue(((String) list[2]).contains("--data-dir"), (String) list[2]);
        Object[] show = run("ledger", "show", "0123456789ab", "--data-dir", dir.toString());
        assertEquals(2, show[0]);
        assertTrue(((String) show[2]).contains("no kept edit with id \"0123456789ab\""), (String) show[2]);
        Object[] rollback = run("ledger", "rollback", "0123456789ab", "--data-dir", dir.toString());
        assertEquals(2, rollback[0]);
    }
}
