package dev.amend.editors.memit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.Stories260k;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.GenerationRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MEMIT on a real pretrained model no one here trained: the girl in the stories260K opening gets another
 * name, and the greedy 60-token stories of llama2.c's run.c for the four unrelated golden prompts stay
 * token for token what they were.
 */
class MemitStories260kTest {
    @TempDir
    Path cache;

    @Test
    void renamesTheGirlAndLeavesEveryUnrelatedGoldenIdentical() throws Exception {
        try (Transformer model = Stories260k.load()) {
            String prompt = "Once upon a time, there was a little girl named";
            String before = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 3)).text();
            assertTrue(before.startsWith(" Lily"), before);
            MemitProvider provider = new MemitProvider();
            // the key at "named" (the slot the name fills) in the first three blocks; λ = 100 (the profile's 1000
            // keeps this model's answer)
            MemitHyperparameters h = HyperparameterBinder.bind(MemitHyperparameters.class,
                    provider.defaults(model.architecture()),
                    Map.of("layers", List.of(0, 1, 2), "fact_token", "last", "mom2_update_weight", 100),
                    model.architecture(), "test").value();
            EditContext ctx = new EditContext(7, ProgressListener.NONE, () -> false, cache,
                    TextCorpus.of("stories260K samples", Stories260k.sampleStories(model, 120, 80, 11)), List.of());
            float[] weightBefore = model.weight(model.architecture().editPoint(0).weight()).toFloatArray();
            Edit edit = provider.create(h).computeEdit(model,
                    List.of(EditRequest.of("Once upon a time, there was a little {} named", "girl", " Sue")), ctx);
            assertArrayEquals(weightBefore, model.weight(edit.deltas().get(0).weight()).toFloatArray(),
                    "computing an edit leaves the model unchanged");
            assertEquals(3, edit.deltas().size());

            edit.applyTo(model);
            String after = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 3)).text();
            assertTrue(after.startsWith(" Sue"), "after the edit: " + after);
            List<String> changed = Stories260k.unrelatedGoldensChanged(model);
            assertEquals(List.of(), changed, "unrelated goldens changed by MEMIT");
        }
    }
}
