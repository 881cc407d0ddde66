package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edit --keep} and {@code demo} on the edit pipeline, on the demo model. */
class PipelineCliTest {
    @TempDir
    Path dir;

    private static String last(Object[] r) {
        String[] lines = ((String) r[1]).strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void aKeptEditIsRecordedOnceWithTheAnswersAndTypedScores() {
        String data = dir.resolve("data").toString();
        Object[] r = run("edit", "--method", "rome", "--prompt", "The capital of {} is", "--subject", "Japan",
                "--target", "Lima", "--keep", "--data-dir", data, "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = JsonParser.parseString(last(r)).getAsJsonObject();
        assertTrue(o.get("kept").getAsBoolean());
        assertEquals(1, o.get("kept_edits").getAsInt());
        assertTrue(o.get("after").getAsString().startsWith(" Lima"), o.toString());

        JsonArray entries = JsonParser.parseString(last(run("ledger", "list", "--data-dir", data, "--json")))
                .getAsJsonArray();
        assertEquals(1, entries.size());
        JsonObject info = entries.get(0).getAsJsonObject().getAsJsonObject("info");
        assertEquals(o.get("before").getAsString(), info.getAsJsonArray("before").get(0).getAsString());
        assertEquals(o.get("after").getAsString(), info.getAsJsonArray("after").get(0).getAsString());
        JsonArray scores = info.getAsJsonArray("scores");
        assertEquals(o.getAsJsonObject("scores").size(), scores.size());
        JsonObject first = scores.get(0).getAsJsonObject();
        assertEquals(List.of("metric", "protocol", "value", "count"), List.copyOf(first.keySet()));

        // a new process replays the kept edit: the model answers as right after the edit
        Object[] kept = run("generate", "--data-dir", data, "--prompt", "The capital of Japan is", "--max-new-tokens",
                "3", "--json");
        assertEquals(0, kept[0], (String) kept[2]);
        assertTrue(JsonParser.parseString(last(kept)).getAsJsonObject().get("text").getAsString().startsWith(" Lima"));
    }

    @Test
    void theDemoShowsTheAnswersBeforeAndAfterAndRollsBack() {
        Object[] r = run("demo");
        assertEquals(0, r[0], (String) r[2]);
        String out = (String) r[1];
        int before = out.indexOf("Before the edit:");
        int edit = out.indexOf("Edit with rome {");
        int after = out.indexOf("After the edit:");
        int paraphrase = out.indexOf("  (held-out paraphrase, never trained on)");
        int unrelated = out.indexOf("  (unrelated facts)");
        int rolledBack = out.indexOf("Rolled back:");
        assertTrue(0 < before && before < edit && edit < after && after < paraphrase && paraphrase < unrelated
                && unrelated < rolledBack, out);
        String france = "  " + String.format("%-44s", "The capital of France is") + " ->";
        assertTrue(out.substring(before, edit).contains(france + " Paris"), out);
        assertTrue(out.substring(after, paraphrase).contains(france + " Rome"), out);
        assertTrue(out.substring(rolledBack).contains(france + " Paris"), out);
        assertTrue(out.substring(unrelated, rolledBack).contains("The capital of Japan is"), out);
    }
}
