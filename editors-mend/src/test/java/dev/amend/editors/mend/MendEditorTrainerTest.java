package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.EditorTrainer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.edit.TrainingOptions;
import dev.amend.spi.edit.TrainingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MEND trained through the SPI's trainer contract, found in the registry by name, as {@code ./amend train-mend} does. */
class MendEditorTrainerTest {
    @TempDir
    Path dir;

    private static List<TrainingExample> examples(int from, int n) {
        String[] objects = {" red", " blue", " green", " gold", " grey"};
        List<TrainingExample> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            String subject = "item" + i;
            out.add(new TrainingExample(EditRequest.of("the colour of {} is", subject, objects[i % objects.length]),
                    List.of("the paint of " + subject + " is"), List.of(new TrainingExample.Locality(
                    "the colour of item" + (i + 50) + " is", objects[(i + 1) % 5]))));
        }
        return out;
    }

    @Test
    void theRegistryFindsTheTrainerWhichTrainsWithTheOptionsAndWritesTheEditor() throws Exception {
        Map<String, Object> hparams = Map.of("lr", 1e-3, "edit_lr", 1e-2, "lr_lr", 1e-3, "rank", 8, "max_iters", 24,
                "val_interval", 8, "val_steps", 4, "locality", 2, "seed", 1);
        Path out = dir.resolve("editor");
        List<String> log = new ArrayList<>();
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 21, CharTokenizer.INSTANCE)) {
            EditorTrainer trainer = EditorRegistry.classPath().trainer("mend", model.architecture(), hparams, "test",
                    new TrainingOptions(5L, 16, 0, out, Map.of("split", "test examples"), log::add));
            assertEquals(5, trainer.seed(), "the options' seed takes the place of the hyperparameters'");
            assertEquals(16, trainer.maxSteps());
            assertEquals(2, trainer.localityPrompts());
            TrainingReport report = trainer.train(model, examples(0, 20), examples(100, 4), ProgressListener.NONE);
            assertEquals(16, report.steps());
            assertEquals(16, report.losses().size());
            assertEquals(2, log.size(), "one line per validation");
            assertTrue(report.bestValidation().keySet().containsAll(List.of("loss", "edit_accuracy",
                    "rephrase_accuracy", "locality_kept")), report.toString());
            assertTrue(Files.isRegularFile(out.resolve(MendNetwork.WEIGHTS_FILE)));
            MendNetwork saved = MendNetwork.load(out, model.manager());
            assertEquals("test examples", saved.training().get("split"));
            assertEquals(report.bestStep(), ((Number) saved.training().get("best_step")).intValue());
        }
    }
}
