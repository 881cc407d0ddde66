package dev.amend.editors.rome;

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

/** ROME on a real pretrained model no one here trained: the girl's name in the stories260K opening changes. */
class RomeStories260kTest {
    @TempDir
    Path cache;

    @Test
    void renamesTheGirl() throws Exception {
        try (Transformer model = Stories260k.load()) {
            String prompt = "Once upon a time, there was a little girl named";
            String before = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 3)).text();
            assertTrue(before.startsWith(" Lily"), before);
            RomeProvider provider = new RomeProvider();
            RomeHyperparameters d = provider.defaults(model.architecture());
            // the key at the last token ("named") of this context, in the first block: the smallest change
            RomeHyperparameters h = HyperparameterBinder.bind(RomeHyperparameters.class, d,
                    Map.of("layers", List.of(0), "fact_token", "last", "original_rome", false), model.architecture(),
                    "test").value();
            EditContext ctx = new EditContext(7, ProgressListener.NONE, () -> false, cache,
                    TextCorpus.of("stories260K samples", Stories260k.sampleStories(model, 120, 80, 11)), List.of());
            float[] weightBefore = model.weight(model.architecture().editPoint(0).weight()).toFloatArray();
            Edit edit = provider.create(h).computeEdit(model,
                    List.of(EditRequest.of("Once upon a time, there was a little {} named", "girl", " Tom")), ctx);
            assertArrayEquals(weightBefore, model.weight(edit.deltas().get(0).weight()).toFloatArray(),
                    "computing an edit leaves the model unchanged");
            assertEquals(1 + h.contextTemplateLengthParams().stream().mapToInt(p -> p.get(1)).sum(),
                    edit.contextTemplates().size());

            edit.applyTo(model);
            String after = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 3)).text();
            assertTrue(after.startsWith(" Tom"), "after the edit: " + after);
            List<String> changed = Stories260k.unrelatedGoldensChanged(model);
            // a rank-one change in a 260K-parameter model moves every MLP output of its layer a little; the
            // goldens' greedy margins go down to 0.016, and one of the four unrelated 60-token stories flips.
            // MEMIT, which weighs the change against the corpus statistics, keeps all four (MemitStories260kTest).
            assertTrue(changed.size() <= 1, "unrelated goldens changed by ROME: " + changed + " of 4");
        }
    }
}
