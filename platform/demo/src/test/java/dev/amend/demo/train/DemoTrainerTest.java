package dev.amend.demo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.demo.FactRecall;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.ProgressListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer learns a small synthetic corpus and writes a loadable, self-describing checkpoint. */
class DemoTrainerTest {
    @TempDir
    Path out;

    static FactCorpus tinyCorpus() {
        String relations = """
                [{"id":"capital","name":"capital","subject_type":"country","source":"test",
                  "train_templates":["The capital of {} is","{}'s capital is","The capital city of {} is"],
                  "heldout_templates":["{} has its capital in","The seat of government of {} is"]}]
                """;
        StringBuilder facts = new StringBuilder();
        String[][] pairs = {{"France", "Paris"}, {"Spain", "Madrid"}, {"Italy", "Rome"}, {"Peru", "Lima"},
            {"Japan", "Tokyo"}, {"Egypt", "Cairo"}, {"Kenya", "Nairobi"}, {"Chile", "Santiago"}};
        for (String[] p : pairs) {
            facts.append("{\"relation\":\"capital\",\"subject\":\"").append(p[0]).append("\",\"object\":\"")
                    .append(p[1]).append("\"}\n");
        }
        String passages = "{\"subject\":\"France\",\"text\":\"France is a country. Its capital is Paris.\"}\n";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("relations.json", relations.getBytes(StandardCharsets.UTF_8));
        files.put("facts.jsonl", facts.toString().getBytes(StandardCharsets.UTF_8));
        files.put("passages.jsonl", passages.getBytes(StandardCharsets.UTF_8));
        return FactCorpus.parse(files);
    }

    @Test
    void learnsATinyCorpusAndWritesACheckpointThatReloadsWithItsRecord() throws Exception {
        FactCorpus corpus = tinyCorpus();
        DemoTrainer.Options o = new DemoTrainer.Options(3, 300, 64, 2, 4, 64, 150, 8, 32, 3e-3, 10, 0.0);
        DemoTrainer.Run run = DemoTrainer.train(corpus, o, out, ProgressListener.NONE);
        assertTrue(run.losses().get(run.losses().size() - 1) < run.losses().get(0) / 3,
                "loss " + run.losses().get(0) + " -> " + run.losses().get(run.losses().size() - 1));
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "loss.png",
            DemoTrainer.RECORD}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        JsonObject record = JsonParser.parseString(Files.readString(out.resolve(DemoTrainer.RECORD))).getAsJsonObject();
        assertEquals(corpus.sha256(), record.get("corpus_sha256").getAsString());
        try (Transformer m = HfCheckpoints.load(out)) {
            FactRecall.Result r = FactRecall.measure(m, corpus);
            assertTrue(r.trainTemplateAccuracy() >= 0.9, "train-template accuracy " + r.trainTemplateAccuracy());
        }
    }
}
