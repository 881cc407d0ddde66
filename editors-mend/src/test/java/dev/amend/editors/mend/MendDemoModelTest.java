package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.bench.CounterFactBench;
import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.GenerationRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped MEND editor on the demo model, with its default hyperparameters (no editor path): held-out
 * facts training never saw (the full 100-edit run is {@code ./amend bench counterfact --method mend}), batch
 * edits, exact apply and rollback, bad input.
 */
class MendDemoModelTest {
    private static Transformer model;
    private static MendEditor editor;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = DemoModel.load(Device.cpu());
        editor = (MendEditor) new MendProvider().create(new MendProvider().defaults(model.architecture()));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static CounterFactBench.Report bench(int n, CounterFactBench.Mode mode, long seed) {
        FactCorpus corpus = FactCorpus.load();
        List<EvaluationCase> cases = CounterFactBench.cases(corpus, EditorSplit.HELDOUT.facts(corpus), n, 5, seed);
        return CounterFactBench.run(model, "mend", editor, cases, CounterFactBench.standardEvaluators(), null,
                new CounterFactBench.Options(n, seed, mode, 1, 100, 5, 0),
                new EditContext(seed, ProgressListener.NONE, () -> false, Path.of("target"), null, List.of()));
    }

    @Test
    void theShippedEditorEditsHeldOutFactsOneAtATime() {
        CounterFactBench.Report r = bench(12, CounterFactBench.Mode.INDIVIDUAL, 3);
        assertTrue(r.score("counterfact-probability", "efficacy") >= 0.8, r.scores().toString());
        assertTrue(r.score("counterfact-probability", "specificity") >= 0.8, r.scores().toString());
    }

    @Test
    void severalFactsInOneCallAreTheSumOfTheSingleEdits() {
        List<EditRequest> requests = List.of(EditRequest.of("The capital of {} is", "France", " Rome"),
                EditRequest.of("{} is written in the language of", "Finland", " Spanish"),
                EditRequest.of("The capital of {} is", "Japan", " Lima"));
        Edit batch = editor.computeEdit(model, requests, EditContext.defaults(dir, null));
        Map<String, float[]> sum = new LinkedHashMap<>();
        for (EditRequest r : requests) {
            for (WeightDelta d : editor.computeEdit(model, List.of(r), EditContext.defaults(dir, null)).deltas()) {
                float[] dense = d.toDense();
                float[] acc = sum.computeIfAbsent(d.weight(), k -> new float[dense.length]);
                for (int i = 0; i < dense.length; i++) {
                    acc[i] += dense[i];
                }
            }
        }
        for (WeightDelta d : batch.deltas()) {
            GradientFactorsTest.assertClose(sum.get(d.weight()), d.toDense(), 1e-4);
        }
        // scored as one batch of held-out facts (measured: efficacy 0.5 on these 6; the editor was trained on
        // single edits, and edits of one batch interfere)
        CounterFactBench.Report r = bench(6, CounterFactBench.Mode.BATCH, 4);
        assertTrue(r.score("counterfact-probability", "efficacy") >= 0.5, r.scores().toString());
        assertTrue(r.score("counterfact-probability", "specificity") >= 0.8, r.scores().toString());
    }

    @Test
    void theEditAppliesAndRollsBackExactly() {
        EditRequest req = EditRequest.of("The capital of {} is", "France", " Rome");
        Map<String, float[]> before = weights();
        Edit edit = editor.computeEdit(model, List.of(req), EditContext.defaults(dir, null));
        assertWeights(before, weights(), 0);
        assertEquals("mend", edit.method());
        assertEquals(3, edit.deltas().size());
        for (WeightDelta d : edit.deltas()) {
            assertTrue(d instanceof WeightDelta.LowRank lr && lr.rank() < 20, "low rank, one factor per token: " + d);
        }
        String was = answer("The capital of France is");
        edit.applyTo(model);
        try {
            assertTrue(answer("The capital of France is").startsWith(" Rome"), "after the edit");
            assertNotEquals(before.get(edit.deltas().get(0).weight())[0], 0f);
        } finally {
            edit.revertFrom(model);
        }
        assertWeights(before, weights(), 1e-6f);
        assertEquals(was, answer("The capital of France is"));
    }

    @Test
    void badInputLeavesTheModelUnchanged() {
        Map<String, float[]> before = weights();
        String longPrompt = "The capital of {} is" + " very".repeat(300);
        assertThrows(InvalidRequestException.class, () -> editor.computeEdit(model,
                List.of(EditRequest.of(longPrompt, "France", " Rome")), EditContext.defaults(dir, null)));
        assertThrows(InvalidRequestException.class, () -> editor.computeEdit(model, List.of(),
                EditContext.defaults(dir, null)));
        assertWeights(before, weights(), 0);
    }

    private static String answer(String prompt) {
        return model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 3)).text();
    }

    private static Map<String, float[]> weights() {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (var p : model.architecture().editPoints()) {
            w.put(p.weight(), model.weight(p.weight()).toFloatArray());
        }
        return w;
    }

    private static void assertWeights(Map<String, float[]> want, Map<String, float[]> got, float tol) {
        List<String> names = new ArrayList<>(want.keySet());
        for (String n : names) {
            assertArrayEquals(want.get(n), got.get(n), tol, n);
        }
    }
}
