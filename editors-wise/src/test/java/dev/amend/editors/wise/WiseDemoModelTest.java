package dev.amend.editors.wise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.bench.CounterFactBench;
import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.kit.TargetScoring;
import dev.amend.runtime.editing.Answers;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WISE on the demo model through the ledger: sequential edits raise their target's teacher-forced probability and
 * change the greedy answer, untouched facts keep their answers (routed to the main memory), an edit rolls back from
 * the middle of the history, the history replays after a restart, and bad hyperparameters leave the model alone.
 */
class WiseDemoModelTest {
    private static final FactCorpus CORPUS = FactCorpus.load();

    @TempDir
    Path data;

    private static EditContext context(long seed) {
        return new EditContext(seed, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                DemoModel.statisticsCorpus(), List.of());
    }

    private static Editor wise(Transformer model) {
        WiseProvider p = new WiseProvider();
        return p.create(p.defaults(model.architecture()));
    }

    private static boolean answers(Transformer model, EditRequest r) {
        return Answers.of(model, r.filledPrompt()).startsWith(r.target());
    }

    private static double logProb(Transformer model, EditRequest r) {
        return TargetScoring.score(model, List.of(r.filledPrompt()), List.of(r.target())).get(0).meanLogProb();
    }

    /** Returns prompts of facts whose subjects none of {@code cases} edits. */
    private static List<String> untouched(List<EvaluationCase> cases, int n) {
        Set<String> edited = new HashSet<>();
        cases.forEach(c -> edited.add(c.request().subject()));
        List<String> out = new ArrayList<>();
        for (Fact f : EditorSplit.TRAIN.facts(CORPUS)) {
            if (out.size() < n && !edited.contains(f.subject())) {
                out.add(f.prompt(CORPUS.relation(f.relation()).trainTemplates().get(0)));
            }
        }
        return out;
    }

    @Test
    void sequentialEditsTakeKeepUntouchedAnswersRollBackFromTheMiddleAndReplay() {
        List<EvaluationCase> cases = CounterFactBench.cases(CORPUS, EditorSplit.HELDOUT.facts(CORPUS), 5, 0, 11);
        List<String> others = untouched(cases, 40);
        List<String> ids = new ArrayList<>();
        List<String> after;
        String original;
        try (Transformer model = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, model)) {
            List<String> before = Answers.of(model, others);
            original = Answers.of(model, cases.get(2).request().filledPrompt());
            Editor editor = wise(model);
            for (int i = 0; i < cases.size(); i++) {
                EditRequest r = cases.get(i).request();
                double was = logProb(model, r);
                Edit edit = editor.computeEdit(model, List.of(r), context(i).withHistory(ledger.history()));
                assertEquals(1, edit.adapters().size());
                assertEquals(List.of(), edit.deltas());
                Map<?, ?> made = (Map<?, ?>) ((List<?>) edit.metadata().get("requests")).get(0);
                System.out.printf("wise edit %d: ordinal %s, steps %s, final nll %.4f, least answer activation %.2f,"
                        + " greatest unrelated %.2f%n", i, made.get("ordinal"), made.get("optimisation_steps"),
                        made.get("final_nll"), made.get("least_answer_activation"),
                        made.get("greatest_unrelated_activation"));
                assertEquals(i, ((Number) made.get("ordinal")).intValue());
                ids.add(ledger.record(edit, Map.of()).id());
                double now = logProb(model, r);
                assertTrue(now > was + 1, "edit " + i + ": log-probability of the target " + was + " -> " + now);
                assertTrue(answers(model, r), "edit " + i + " answers " + Answers.of(model, r.filledPrompt()));
            }
            long took = cases.stream().filter(c -> answers(model, c.request())).count();
            assertTrue(took >= cases.size() - 1, took + " of " + cases.size() + " edits give their target at the end");
            after = Answers.of(model, others);
            long kept = 0;
            for (int i = 0; i < others.size(); i++) {
                kept += before.get(i).equals(after.get(i)) ? 1 : 0;
            }
            assertTrue(kept >= others.size() - 1, kept + " of " + others.size() + " untouched answers kept");
            ledger.rollback(List.of(ids.get(2)));
            assertEquals(original, Answers.of(model, cases.get(2).request().filledPrompt()));
            long still = java.util.stream.IntStream.range(0, cases.size())
                    .filter(i -> i != 2 && answers(model, cases.get(i).request())).count();
            assertTrue(still >= took - 2, still + " edits still give their target after the rollback, " + took
                    + " before");
            after = Answers.of(model, others);
        }
        try (Transformer fresh = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(cases.size() - 1, ledger.recovery().replayedEdits());
            assertEquals(original, Answers.of(fresh, cases.get(2).request().filledPrompt()));
            assertEquals(after, Answers.of(fresh, others));
        }
    }

    @Test
    void badHyperparametersAreRefusedAndLeaveTheModelAlone() {
        List<EvaluationCase> cases = CounterFactBench.cases(CORPUS, EditorSplit.HELDOUT.facts(CORPUS), 1, 0, 3);
        try (Transformer model = DemoModel.load(Device.cpu())) {
            WiseProvider p = new WiseProvider();
            WiseHyperparameters d = p.defaults(model.architecture());
            WiseHyperparameters far = new WiseHyperparameters(List.of("transformer.h.9.mlp.c_proj.weight"),
                    d.editLr(), d.nIter(), d.objectiveOptimization(), d.maskRatio(), d.alpha(), d.beta(), d.gamma(),
                    d.actMargin(), d.actRatio(), d.saveFreq(), d.mergeFreq(), d.mergeAlg(), d.densities(),
                    d.weights(), d.normConstraint(), d.retrieve(), d.replay());
            String before = Answers.of(model, cases.get(0).request().filledPrompt());
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> p.create(far).computeEdit(model, List.of(cases.get(0).request()), context(1)));
            assertTrue(e.getMessage().contains("layer 9") && e.getMessage().contains("layers 0..5"), e.getMessage());
            assertEquals(List.of(), model.adapters());
            assertEquals(before, Answers.of(model, cases.get(0).request().filledPrompt()));
        }
    }
}
