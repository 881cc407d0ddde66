package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.reference.ReferenceEdits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./amend edit --hparams} with the reference code's hyperparameter files (shared/fixtures/reference)
 * reproduces the reference's greedy answers on the demo model: the edited prompt and its neighbours, read back
 * with {@code generate --data-dir} after {@code edit --keep}.
 */
class ReferenceHyperparametersCliTest {
    @TempDir
    Path dir;

    @Test
    void romesFileGivesTheReferencesAnswers() throws Exception {
        ReferenceEdits ref = ReferenceEdits.load("ref_rome_l2.json");
        Path hparams = ReferenceEdits.dir().resolve("hparams").resolve("rome_l2.json");
        assertAnswers(ref, List.of("--method", "rome", "--hparams", hparams.toString()));
    }

    @Test
    void memitsFileWithTheReferencesTemplatesAndCorpusGivesItsAnswers() throws Exception {
        ReferenceEdits ref = ReferenceEdits.load("ref_memit_l123_precomputedC.json");
        Map<String, Object> values = new LinkedHashMap<>(ReferenceEdits.hparams("memit_l123.json"));
        values.put("context_templates", ref.templateGroups());
        Path hparams = dir.resolve("memit_l123_templates.json");
        Files.writeString(hparams, new Gson().toJson(values));
        List<String> lines = new ArrayList<>();
        for (String text : ReferenceEdits.passages().documents()) {
            lines.add(new Gson().toJson(Map.of("text", text)));
        }
        Path corpus = dir.resolve("passages.jsonl");
        Files.write(corpus, lines);
        assertAnswers(ref, List.of("--method", "memit", "--hparams", hparams.toString(), "--corpus", corpus.toString()));
    }

    private void assertAnswers(ReferenceEdits ref, List<String> method) {
        String data = dir.resolve("data").toString();
        List<String> args = new ArrayList<>(List.of("edit", "--prompt", ref.request().prompt(), "--subject",
                ref.request().subject(), "--target", ref.request().target(), "--keep", "--data-dir", data, "--json"));
        args.addAll(method);
        Object[] edit = run(args.toArray(new String[0]));
        assertEquals(0, edit[0], (String) edit[2]);
        Map<String, String> got = new LinkedHashMap<>();
        for (String prompt : ref.answersAfter().keySet()) {
            Object[] g = run("generate", "--data-dir", data, "--prompt", prompt, "--max-new-tokens", "1", "--json");
            assertEquals(0, g[0], (String) g[2]);
            String[] out = ((String) g[1]).strip().split("\n");
            JsonObject o = JsonParser.parseString(out[out.length - 1]).getAsJsonObject();
            got.put(prompt, o.get("text").getAsString());
        }
        assertEquals(ref.answersAfter(), got, "greedy answers after the edit with " + method);
    }
}
