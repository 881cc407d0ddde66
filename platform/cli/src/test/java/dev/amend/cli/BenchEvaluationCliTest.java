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

/** bench counterfact's splits, seeds and unedited row, and bench longform's short questions, on the demo model. */
class BenchEvaluationCliTest {
    private static JsonObject json(Object[] r) {
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    @Test
    void seedsGiveTheMeanTheSpreadAndEveryRunOfTheUneditedModel() {
        JsonObject o = json(run("bench", "counterfact", "--method", "none", "--edits", "3", "--split", "heldout",
                "--seeds", "11,12", "--fluency-cases", "0", "--json"));
        assertEquals("none", o.get("method").getAsString());
        assertEquals("heldout", o.get("split").getAsString());
        assertEquals("heldout", o.get("facts").getAsString(), "the former field stays");
        assertEquals(2, o.getAsJsonArray("seeds").size());
        assertEquals(2, o.getAsJsonArray("runs").size());
        assertEquals(0.0, o.get("efficacy").getAsDouble(), "the unedited model keeps the true objects");
        assertEquals(0.0, o.get("generation_efficacy").getAsDouble());
        assertTrue(o.get("specificity").getAsDouble() > 0.8, o.toString());
        assertTrue(o.get("spread").getAsString().contains("standard deviation"));
        for (String k : new String[] {"std", "min", "max"}) {
            assertTrue(o.getAsJsonObject(k).has("generation_specificity"), k + " in " + o);
        }
        double a = o.getAsJsonArray("runs").get(0).getAsJsonObject().get("generalization").getAsDouble();
        double b = o.getAsJsonArray("runs").get(1).getAsJsonObject().get("generalization").getAsDouble();
        assertEquals((a + b) / 2, o.get("generalization").getAsDouble(), 1e-12);
        assertEquals(Math.abs(a - b) / Math.sqrt(2), o.getAsJsonObject("std").get("generalization").getAsDouble(), 1e-12);
        assertEquals(11, o.getAsJsonArray("runs").get(0).getAsJsonObject().get("seed").getAsLong());
    }

    @Test
    void splitWinsOverItsFormerNameFacts() {
        JsonObject both = json(run("bench", "counterfact", "--method", "none", "--edits", "2", "--split", "validation",
                "--facts", "heldout", "--fluency-cases", "0", "--json"));
        assertEquals("validation", both.get("split").getAsString());
        JsonObject facts = json(run("bench", "counterfact", "--method", "none", "--edits", "2", "--facts", "heldout",
                "--fluency-cases", "0", "--json"));
        assertEquals("heldout", facts.get("split").getAsString());
        assertEquals(1, facts.get("seed").getAsLong());
        assertEquals("batch", facts.get("mode").getAsString(), "the unedited row is scored in one pass");
    }

    @Test
    void badSplitsAndSeedsAreRefusedWithExitCode2() {
        Object[] split = run("bench", "counterfact", "--method", "none", "--split", "test");
        assertEquals(2, split[0]);
        assertTrue(((String) split[2]).contains("all, validation, heldout or untuned"), (String) split[2]);
        Object[] seeds = run("bench", "counterfact", "--method", "none", "--seed", "1", "--seeds", "1,2");
        assertEquals(2, seeds[0]);
        assertTrue(((String) seeds[2]).contains("either --seed or --seeds"), (String) seeds[2]);
    }

    @Test
    void longformAsksUnkeSubQuestionsOfTheUneditedModel(@TempDir Path dir) throws java.io.IOException {
        Path data = dir.resolve("unke-mini.json");
        Files.writeString(data, "[{\"id\": \"1\", \"question\": \"What does Lillian Lawrence do?\", "
                + "\"para_question\": \"What is the job of Lillian Lawrence?\", "
                + "\"answer\": \"Lillian Lawrence is a sailor who has crossed the Atlantic twice.\", "
                + "\"sub_question\": [\"What is Lillian Lawrence?\", \"What did she cross?\"], "
                + "\"sub_answer\": [\"A sailor.\", \"The Atlantic.\"]}]");
        Path out = dir.resolve("results.jsonl");
        JsonObject o = json(run("bench", "longform", "--data", data.toString(), "--method", "none",
                "--max-new-tokens", "8", "--no-similarity", "--out", out.toString(), "--json"));
        assertEquals("none", o.get("method").getAsString());
        assertEquals("all", o.get("split").getAsString());
        assertEquals(2, o.get("sub_questions_asked").getAsInt());
        assertTrue(o.has("sub_question_answer_rate") && o.has("sub_question_rougeL_recall"), o.toString());
        JsonObject line = JsonParser.parseString(Files.readAllLines(out).get(0)).getAsJsonObject();
        assertEquals(2, line.getAsJsonArray("short_questions").size());
        Object[] none = run("bench", "longform", "--data", data.toString(), "--method", "none", "--split", "heldout",
                "--out", out.toString());
        assertEquals(2, none[0], "item 1 is not held out");
        assertTrue(((String) none[2]).contains("no items in the heldout split"), (String) none[2]);
    }
}
