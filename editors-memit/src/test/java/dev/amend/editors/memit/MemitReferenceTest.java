package dev.amend.editors.memit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.kit.LayerStatistics;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.reference.ReferenceEdits;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.hparams.HyperparameterBinder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MEMIT's published form against the original kmeng01/memit code on the demo model
 * (shared/fixtures/reference): with the reference's hyperparameter file, templates (grouped as the reference
 * groups them) and statistics text, ΔW agrees within a relative Frobenius error of 1e-4 in every layer and the
 * greedy answers after the edit are the reference's; the statistics are the reference's per-text sample.
 */
class MemitReferenceTest {
    /** Float32 accumulation differences stay far below this. */
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path cache;

    @Test
    void oneTemplateReproducesTheReference() throws Exception {
        reproduces("ref_memit_l123_precomputedC.json");
    }

    @Test
    void sixTemplatesInTheReferencesTwoGroupsReproduceTheReference() throws Exception {
        reproduces("ref_memit_l123_tpl6_groups_precomputedC.json");
    }

    @Test
    void theStatisticsAreTheReferencesPerTextSample() throws Exception {
        ReferenceEdits ref = ReferenceEdits.load("ref_memit_l123_precomputedC.json");
        TextCorpus passages = ReferenceEdits.passages();
        assertEquals(ref.corpusTexts(), passages.documents().size());
        try (Transformer model = DemoModel.load(Device.cpu())) {
            Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, List.of(1, 2, 3), passages,
                    LayerStatistics.Sample.texts(100_000), null, ProgressListener.NONE);
            for (int layer : List.of(1, 2, 3)) {
                LayerStatistics.Moment m = stats.get(layer);
                assertEquals(ref.layer(layer).get("cov_count").getAsLong(), m.tokens(), "tokens of layer " + layer);
                assertEquals(ref.corpusTexts(), m.texts());
                double trace = 0;
                for (int i = 0; i < m.dim(); i++) {
                    trace += m.secondMoment()[i * m.dim() + i];
                }
                double want = ref.layer(layer).get("cov_trace").getAsDouble();
                System.out.printf("layer %d: trace of C %.7f, reference %.7f (relative %.2g)%n", layer, trace, want,
                        Math.abs(trace - want) / want);
                assertEquals(want, trace, 1e-5 * want, "trace of C at layer " + layer);
            }
        }
    }

    private void reproduces(String file) throws Exception {
        ReferenceEdits ref = ReferenceEdits.load(file);
        try (Transformer model = DemoModel.load(Device.cpu())) {
            Map<String, Object> values = new LinkedHashMap<>(ReferenceEdits.hparams("memit_l123.json"));
            values.put("context_templates", ref.templateGroups());
            MemitProvider p = new MemitProvider();
            MemitHyperparameters h = HyperparameterBinder.bind(MemitHyperparameters.class,
                    p.defaults(model.architecture()), values, model.architecture(), "memit_l123.json").value();
            assertEquals(List.of(false, 1, false), List.of(h.preservePromptTokens(), h.insertionPasses(),
                    h.klAtLastToken()), "a reference file leaves Amend's switches off");
            Edit edit = p.create(h).computeEdit(model, List.of(ref.request()),
                    EditContext.defaults(cache, ReferenceEdits.passages()));
            Map<Integer, Double> errors = ref.relativeErrors(model, edit);
            System.out.println(file + ": relative Frobenius error of ΔW per layer " + errors);
            errors.forEach((layer, e) -> assertTrue(e < TOLERANCE, file + " layer " + layer + ": ΔW differs from the "
                    + "reference by " + e + " (relative Frobenius)"));
            assertEquals(List.of("mom2_n_samples asks for 100000 texts but the corpus holds 706: the statistics use all "
                    + "706 texts (21199 tokens)"), edit.metadata().get("warnings"));
            edit.applyTo(model);
            assertEquals(ref.answersAfter(), ref.answers(model), file + ": greedy answers after the edit");
        }
    }
}
