package dev.amend.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.train.DemoTrainer;
import dev.amend.runtime.model.Transformer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped demo checkpoint belongs to the shipped corpus and knows it. */
class DemoCheckpointTest {
    /** Held-out-template accuracy measured when the checkpoint was shipped (fraction of 1). */
    static final double SHIPPED_HELDOUT_ACCURACY = 0.266;

    @Test
    void theCheckpointWasTrainedOnThisCorpusAndFitsTheSizeLimit() throws Exception {
        Path dir = DemoModel.directory();
        JsonObject record = JsonParser.parseString(Files.readString(dir.resolve(DemoTrainer.RECORD)))
                .getAsJsonObject();
        assertEquals(FactCorpus.load().sha256(), record.get("corpus_sha256").getAsString(),
                "the corpus changed since the checkpoint was trained: run ./amend train-demo and ship the result");
        long bytes = 0;
        for (String f : DemoModel.FILES) {
            bytes += Files.size(dir.resolve(f));
        }
        assertTrue(bytes <= 30L * 1024 * 1024, "checkpoint is " + bytes + " bytes, the limit is 30 MB");
    }

    @Test
    void itRecallsItsFacts() {
        FactCorpus corpus = FactCorpus.load();
        try (Transformer model = DemoModel.load(Device.cpu())) {
            FactRecall.Result r = FactRecall.measure(model, corpus);
            assertTrue(r.trainTemplateAccuracy() >= 0.95, "train-template accuracy " + r.trainTemplateAccuracy());
            assertTrue(r.heldoutTemplateAccuracy() >= SHIPPED_HELDOUT_ACCURACY - 0.05,
                    "held-out-template accuracy " + r.heldoutTemplateAccuracy() + " fell more than 5 points below "
                            + SHIPPED_HELDOUT_ACCURACY);
            assertEquals("demo", model.name());
        }
    }
}
