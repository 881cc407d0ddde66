package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON outputs and exit codes scripts rely on (issue contracts), on the demo model. */
class CliContractTest {
    @TempDir
    Path cache;

    private static JsonObject json(Object[] r) {
        String[] lines = ((String) r[1]).strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    @Test
    void generateJsonHasPromptIdsGeneratedIdsAndText() {
        Object[] r = run("generate", "--prompt", "The capital of France is", "--max-new-tokens", "3", "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = json(r);
        assertTrue(o.getAsJsonArray("prompt_ids").size() > 0);
        assertEquals(3, o.getAsJsonArray("generated_ids").size());
        assertTrue(o.get("text").getAsString().startsWith(" Paris"), o.toString());
    }

    @Test
    void editJsonHasBeforeAfterIdScoresAndSeconds() {
        System.setProperty("amend.cache.dir", cache.toString());
        try {
            Object[] r = run("edit", "--method", "rome", "--prompt", "The capital of {} is", "--subject", "France",
                    "--target", "Rome", "--json");
            assertEquals(0, r[0], (String) r[2]);
            JsonObject o = json(r);
            assertEquals(" Paris", o.get("before").getAsString());
            assertTrue(o.get("after").getAsString().startsWith(" Rome"), o.toString());
            assertTrue(o.get("edit_id").getAsString().startsWith("e-"));
            assertEquals(1.0, o.getAsJsonObject("scores").get("counterfact-probability/efficacy").getAsDouble());
            assertTrue(o.getAsJsonObject("seconds").get("total").getAsDouble() > 0);
        } finally {
            System.clearProperty("amend.cache.dir");
        }
    }

    @Test
    void editShowsTheEditorsWarningsAndNonFiniteSteps() throws Exception {
        Path hparams = cache.resolve("more-texts-than-the-corpus.json");
        java.nio.file.Files.writeString(hparams, "{\"v_num_grad_steps\": 5, \"mom2_n_samples\": 100000}");
        String warning = "mom2_n_samples asks for 100000 texts but the corpus holds ";
        Object[] r = run("edit", "--prompt", "The capital of {} is", "--subject", "France", "--target", "Rome",
                "--hparams", hparams.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = json(r);
        assertEquals(1, o.getAsJsonArray("warnings").size(), o.toString());
        assertTrue(o.getAsJsonArray("warnings").get(0).getAsString().startsWith(warning), o.toString());
        assertEquals(0, o.get("non_finite_steps").getAsInt());

        Object[] text = run("edit", "--prompt", "The capital of {} is", "--subject", "France", "--target", "Rome",
                "--hparams", hparams.toString());
        assertEquals(0, text[0], (String) text[2]);
        assertTrue(((String) text[1]).contains("  warning: " + warning), (String) text[1]);
    }

    @Test
    void modeNamesAreAcceptedAsTheHelpWritesThem() {
        var parsed = AmendCli.commandLine().parseArgs("bench", "counterfact", "--method", "memit", "--mode", "batch");
        var counterfact = parsed.subcommand().subcommand().commandSpec().userObject();
        assertEquals(dev.amend.bench.CounterFactBench.Mode.BATCH,
                ((BenchCounterfactCommand) counterfact).mode);
    }

    @Test
    void mendEditsTheDemoModelWithNoExtraFlags() {
        Object[] r = run("edit", "--method", "mend", "--prompt", "The capital of {} is", "--subject", "France",
                "--target", "Rome", "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = json(r);
        assertEquals(" Paris", o.get("before").getAsString());
        assertTrue(o.get("after").getAsString().startsWith(" Rome"), o.toString());
        assertEquals(1.0, o.getAsJsonObject("scores").get("counterfact-probability/efficacy").getAsDouble());
    }

    @Test
    void badInputIsRefusedWithWhatToFixAndExitCode2() {
        Object[] unknown = run("edit", "--method", "nosuch", "--prompt", "The capital of {} is", "--subject",
                "France", "--target", "Rome");
        assertEquals(2, unknown[0]);
        assertTrue(((String) unknown[2]).contains("unknown method \"nosuch\": installed methods are alphaedit, grace, memit, mend, rome, ultraedit, wise;"
                + " decorators, used as DECORATOR+METHOD (e.g. anyedit+alphaedit): anyedit"),
                (String) unknown[2]);
        Object[] subject = run("edit", "--prompt", "The capital of Spain is", "--subject", "France", "--target", "Rome");
        assertEquals(2, subject[0]);
        assertTrue(((String) subject[2]).contains("is not in the prompt"), (String) subject[2]);
        Object[] empty = run("edit", "--prompt", "The capital of {} is", "--subject", "France", "--target", " ");
        assertEquals(2, empty[0]);
        assertTrue(((String) empty[2]).contains("the target is empty"), (String) empty[2]);
        Object[] model = run("generate", "--model", "/nonexistent/model", "--prompt", "x");
        assertEquals(2, model[0]);
        assertNotEquals("", model[2]);
    }

    @Test
    void benchFactsJsonHasTheAccuraciesAndTheCount() {
        Object[] r = run("bench", "facts", "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = json(r);
        assertEquals(2236, o.get("facts").getAsInt());
        assertTrue(o.get("train_template_accuracy").getAsDouble() >= 0.95);
        assertTrue(o.get("heldout_template_accuracy").getAsDouble() > 0);
    }

    @Test
    void benchLongformJsonHasTheIssueFields(@TempDir Path dir) throws java.io.IOException {
        Path data = dir.resolve("unke-mini.json");
        java.nio.file.Files.writeString(data, "[{\"id\": \"1\", \"question\": \"What does Lillian Lawrence do?\", "
                + "\"para_question\": \"What is the job of Lillian Lawrence?\", "
                + "\"answer\": \"Lillian Lawrence is a sailor.\", \"sub_question\": [], \"sub_answer\": []}]");
        Path out = dir.resolve("results.jsonl");
        Object[] r = run("bench", "longform", "--data", data.toString(), "--method", "anyedit+memit", "--limit", "1",
                "--max-new-tokens", "16", "--out", out.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = json(r);
        for (String k : new String[] {"method", "items", "rouge1_recall", "rouge2_recall", "rougeL_recall", "bleu_char",
            "bleu_word", "semantic_similarity", "para_rougeL_recall", "para_semantic_similarity"}) {
            assertTrue(o.has(k), k + " missing in " + o);
        }
        assertEquals("anyedit+memit", o.get("method").getAsString());
        assertEquals(1, o.get("items").getAsInt());
        assertTrue(o.get("rougeL_recall").getAsDouble() >= 0.99, o.toString());
        JsonObject line = JsonParser.parseString(java.nio.file.Files.readAllLines(out).get(0)).getAsJsonObject();
        assertTrue(line.get("generation").getAsString().startsWith(" Lillian Lawrence is a sailor"), line.toString());
    }

    @Test
    void benchLongformRefusesBadInputWithExitCode2() {
        Object[] r = run("bench", "longform", "--data", "no/such/file.json", "--method", "anyedit+memit");
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("amend: no benchmark file"), (String) r[2]);
    }
}
