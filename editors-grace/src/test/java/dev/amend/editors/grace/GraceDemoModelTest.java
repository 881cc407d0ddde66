package dev.amend.editors.grace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.bench.CounterFactBench;
import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.editors.rome.RomeProvider;
import dev.amend.runtime.editing.Answers;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Editor;
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
 * GRACE on the demo model through the ledger: sequential edits take, untouched facts keep their answers, an edit
 * rolls back from the middle of the history, the history replays after a restart, and GRACE's adapters compose with
 * ROME's weight deltas in either order.
 */
class GraceDemoModelTest {
    private static final FactCorpus CORPUS = FactCorpus.load();

    @TempDir
    Path data;

    private static EditContext context(long seed) {
        return new EditContext(seed, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                DemoModel.statisticsCorpus(), List.of());
    }

    private static Editor grace(Transformer model) {
        GraceProvider p = new GraceProvider();
        return p.create(p.defaults(model.architecture()));
    }

    private static Editor rome(Transformer model) {
        RomeProvider p = new RomeProvider();
        return p.create(p.defaults(model.architecture()));
    }

    private static boolean answers(Transformer model, EditRequest r) {
        return Answers.of(model, r.filledPrompt()).startsWith(r.target());
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
        List<EvaluationCase> cases = CounterFactBench.cases(CORPUS, EditorSplit.HELDOUT.facts(CORPUS), 8, 0, 11);
        List<String> others = untouched(cases, 30);
        List<String> ids = new ArrayList<>();
        List<String> after;
        String original;
        try (Transformer model = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, model)) {
            List<String> before = Answers.of(model, others);
            original = Answers.of(model, cases.get(3).request().filledPrompt());
            Editor editor = grace(model);
            for (int i = 0; i < cases.size(); i++) {
                Edit edit = editor.computeEdit(model, List.of(cases.get(i).request()),
                        context(i).withHistory(ledger.history()));
                assertEquals(1, edit.adapters().size());
                Map<?, ?> made = (Map<?, ?>) ((List<?>) edit.metadata().get("requests")).get(0);
                System.out.printf("grace edit %d: nearest entry %.3f, steps %s, final nll %.4f%n", i,
                        made.get("nearest_entry_distance"), made.get("optimisation_steps"), made.get("final_nll"));
                assertEquals(List.of(), edit.deltas());
                ids.add(ledger.record(edit, Map.of()).id());
            }
            long took = cases.stream().filter(c -> answers(model, c.request())).count();
            assertTrue(took >= cases.size() - 1, took + " of " + cases.size() + " edits give their target");
            after = Answers.of(model, others);
            long kept = 0;
            for (int i = 0; i < others.size(); i++) {
                kept += before.get(i).equals(after.get(i)) ? 1 : 0;
            }
            assertTrue(kept >= others.size() - 1, kept + " of " + others.size() + " untouched answers kept");
            ledger.rollback(List.of(ids.get(3)));
            assertEquals(original, Answers.of(model, cases.get(3).request().filledPrompt()));
            long still = java.util.stream.IntStream.range(0, cases.size())
                    .filter(i -> i != 3 && answers(model, cases.get(i).request())).count();
            assertTrue(still >= took - 1, still + " edits still give their target after the rollback, " + took
                    + " before");
        }
        try (Transformer fresh = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(cases.size() - 1, ledger.recovery().replayedEdits());
            assertEquals(original, Answers.of(fresh, cases.get(3).request().filledPrompt()));
            assertEquals(after, Answers.of(fresh, others));
        }
    }

    @Test
    void graceAdaptersAndRomeDeltasComposeInEitherOrderAndRollBackIndependently() {
        List<EvaluationCase> cases = CounterFactBench.cases(CORPUS, EditorSplit.HELDOUT.facts(CORPUS), 2, 0, 5);
        EditRequest forGrace = cases.get(0).request();
        EditRequest forRome = cases.get(1).request();
        for (boolean graceFirst : new boolean[] {true, false}) {
            Path dir = data.resolve("grace-first-" + graceFirst);
            try (Transformer model = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(dir, model)) {
                String graceBefore = Answers.of(model, forGrace.filledPrompt());
                String romeBefore = Answers.of(model, forRome.filledPrompt());
                String graceId;
                String romeId;
                if (graceFirst) {
                    graceId = ledger.record(grace(model).computeEdit(model, List.of(forGrace), context(1)), Map.of()).id();
                    romeId = ledger.record(rome(model).computeEdit(model, List.of(forRome),
                            context(2).withHistory(ledger.history())), Map.of()).id();
                } else {
                    romeId = ledger.record(rome(model).computeEdit(model, List.of(forRome), context(2)), Map.of()).id();
                    graceId = ledger.record(grace(model).computeEdit(model, List.of(forGrace),
                            context(1).withHistory(ledger.history())), Map.of()).id();
                }
                assertTrue(answers(model, forGrace), "GRACE's edit, grace first: " + graceFirst);
                assertTrue(answers(model, forRome), "ROME's edit, grace first: " + graceFirst);
                if (graceFirst) {
                    ledger.rollback(List.of(romeId));
                    assertTrue(answers(model, forGrace), "GRACE's edit after ROME's rollback");
                    assertEquals(romeBefore, Answers.of(model, forRome.filledPrompt()));
                } else {
                    ledger.rollback(List.of(graceId));
                    assertTrue(answers(model, forRome), "ROME's edit after GRACE's rollback");
                    assertEquals(graceBefore, Answers.of(model, forGrace.filledPrompt()));
                }
            }
        }
    }
}
