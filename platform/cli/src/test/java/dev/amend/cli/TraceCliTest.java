package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.SharedFixtures;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.hparams.HyperparameterBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./amend trace} and {@code ./amend locate-layers} as a user runs them. */
class TraceCliTest {
    @TempDir
    Path dir;

    private static JsonObject lastJson(Object[] r) {
        String[] lines = ((String) r[1]).strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    @Test
    void traceJsonHasTheIssuesFieldsAndTheHeatmapsAreWritten() throws Exception {
        Object[] r = run("trace", "--prompt", "The capital of {} is", "--subject", "France", "--target", "Paris",
                "--samples", "4", "--out", dir.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = lastJson(r);
        for (String field : List.of("tokens", "subject_range", "layers", "residual", "mlp", "attention",
                "clean_probability", "corrupted_probability", "noise", "seed")) {
            assertTrue(o.has(field), "no " + field + " in " + o.keySet());
        }
        int layers = o.get("layers").getAsInt();
        int tokens = o.getAsJsonArray("tokens").size();
        JsonArray mlp = o.getAsJsonArray("mlp");
        assertEquals(layers, mlp.size());
        assertEquals(tokens, mlp.get(0).getAsJsonArray().size());
        JsonArray range = o.getAsJsonArray("subject_range");
        assertEquals(" France", o.getAsJsonArray("tokens").get(range.get(1).getAsInt()).getAsString());
        assertTrue(o.get("clean_probability").getAsDouble() > o.get("corrupted_probability").getAsDouble(), o.toString());
        for (String png : List.of("residual.png", "mlp.png", "attention.png")) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png);
        }
        JsonObject file = JsonParser.parseString(Files.readString(dir.resolve("trace.json"))).getAsJsonObject();
        assertEquals(o.get("mlp"), file.get("mlp"));
    }

    @Test
    void badTracesExitWithStatusTwoAndSayWhatToFix() {
        Object[] absent = run("trace", "--prompt", "The capital of Spain is", "--subject", "France", "--out",
                dir.toString());
        assertEquals(2, absent[0]);
        assertTrue(((String) absent[2]).contains("is not in the prompt"), (String) absent[2]);
        Object[] unknown = run("trace", "--prompt", "The capital of {} is", "--subject", "France", "--target",
                "Tokyo", "--out", dir.toString());
        assertEquals(2, unknown[0]);
        assertTrue(((String) unknown[2]).contains("a trace needs at least"), (String) unknown[2]);
    }

    @Test
    void locateLayersWritesHyperparameterFilesTheMethodsAccept() throws Exception {
        Path facts = dir.resolve("facts.jsonl");
        Files.writeString(facts, """
                {"prompt": "The capital of {} is", "subject": "France", "target": "Paris"}
                {"prompt": "The capital of {} is", "subject": "Germany", "target": "Berlin"}
                {"prompt": "The capital of {} is", "subject": "Spain", "target": "Tokyo"}
                """);
        Path out = dir.resolve("hparams");
        Object[] r = run("locate-layers", "--facts", facts.toString(), "--n", "3", "--out", out.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = lastJson(r);
        assertEquals(2, o.get("facts").getAsInt(), "the fact the model does not know is left out: " + o);
        assertEquals(1, o.getAsJsonArray("skipped").size());
        assertEquals(6, o.getAsJsonArray("mlp").size());
        int layer = o.get("layer").getAsInt();
        try (Transformer model = DemoModel.load(ai.djl.Device.cpu())) {
            EditorRegistry registry = EditorRegistry.classPath();
            for (String method : List.of("rome", "memit", "alphaedit")) {
                Path file = out.resolve(method + ".yaml");
                Map<String, Object> values = HyperparameterBinder.toMap((Record) registry.configure(method,
                        model.architecture(), HyperparameterFiles.read(file), file.toString()).hyperparameters());
                List<?> layers = (List<?>) values.get("layers");
                if (method.equals("rome")) {
                    assertEquals(List.of(layer), layers);
                } else {
                    assertEquals(o.getAsJsonArray("range").size(), layers.size());
                }
                assertEquals(o.get("fact_token").getAsString(), values.get("fact_token"));
            }
        }
        assertTrue(Files.size(out.resolve("mlp.png")) > 1000);

        Object[] narrow = run("locate-layers", "--facts", facts.toString(), "--n", "3", "--window", "3", "--samples",
                "2", "--out", dir.resolve("narrow").toString(), "--json");
        assertEquals(0, narrow[0], (String) narrow[2]);
        String why = lastJson(narrow).getAsJsonArray("reasoning").get(0).getAsString();
        assertTrue(why.contains("2 noise samples") && why.contains("windows of 3 layers"), why);
        Object[] bad = run("locate-layers", "--facts", facts.toString(), "--window", "-1", "--out",
                dir.resolve("bad").toString());
        assertEquals(2, bad[0]);
        assertTrue(((String) bad[2]).contains("window must be 0"), (String) bad[2]);
    }

    @Test
    void stories260kTracesInFloat32AndHalfPrecision() {
        Path fixture = SharedFixtures.require("fixtures/stories260K");
        for (String dtype : List.of("float32", "float16")) {
            Object[] r = run("trace", "--model", fixture.resolve("stories260K.bin").toString(), "--tokenizer",
                    fixture.resolve("tok512.bin").toString(), "--dtype", dtype, "--prompt",
                    "Once upon a time, there was a little girl named", "--subject", "little girl", "--target", "Lily",
                    "--out", dir.resolve(dtype).toString(), "--json");
            assertEquals(0, r[0], (String) r[2]);
            JsonObject o = lastJson(r);
            assertEquals(" Lily", o.get("answer").getAsString());
            assertEquals(5, o.getAsJsonArray("residual").size());
            assertTrue(o.get("clean_probability").getAsDouble() > 0.5, o.toString());
        }
    }
}
