package dev.amend.editors.ultraedit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.bench.CounterFactBench;
import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.FactCorpus;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UltraEdit on the demo model through the ledger: sequential edits reach their targets and untouched facts keep
 * their answers; rolling an edit back from the middle restores its prompt's answer and drops its rows from the
 * lifelong normalisation the next edit uses; after a restart the replayed history gives the same normalisation
 * state and the same answers as the original run.
 */
class UltraEditDemoModelTest {
    private static final FactCorpus CORPUS = FactCorpus.load();

    @TempDir
    Path data;

    private static EditContext context(long seed, EditLedger ledger) {
        return new EditContext(seed, ProgressListener.NONE, () -> false, AmendDirs.cache(), null, ledger.history());
    }

    private static boolean answers(Transformer model, EditRequest r) {
        return Answers.of(model, r.filledPrompt()).startsWith(r.target());
    }

    @Test
    void sequentialEditsTakeKeepUntouchedAnswersRollBackAndReplayTheSameState() {
        List<EvaluationCase> cases = CounterFactBench.cases(CORPUS, EditorSplit.HELDOUT.facts(CORPUS), 7, 0, 11);
        List<String> others = CounterFactBench.untouched(CORPUS, cases, 30, 3);
        int width;
        long rowsBefore;
        double[] mean;
        double[] std;
        List<String> after;
        try (Transformer model = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, model)) {
            width = model.architecture().intermediateSize() + model.architecture().hiddenSize();
            UltraEditProvider p = new UltraEditProvider();
            Editor editor = p.create(p.defaults(model.architecture()));
            List<String> before = Answers.of(model, others);
            String original = Answers.of(model, cases.get(3).request().filledPrompt());
            List<String> ids = new ArrayList<>();
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Edit edit = editor.computeEdit(model, List.of(cases.get(i).request()), context(i, ledger));
                assertEquals(3, edit.deltas().size(), "one update per edited block");
                rows.add((Integer) ((Map<?, ?>) edit.metadata().get(UltraEditProvider.MOMENTS)).get("rows"));
                assertEquals(rows.stream().mapToLong(Integer::longValue).sum(),
                        ((Number) edit.metadata().get("normalizer_rows")).longValue(), "the state holds every row so far");
                ids.add(ledger.record(edit, Map.of()).id());
            }
            long took = cases.subList(0, 6).stream().filter(c -> answers(model, c.request())).count();
            assertTrue(took >= 5, took + " of 6 edits give their target");
            List<String> now = Answers.of(model, others);
            long kept = java.util.stream.IntStream.range(0, others.size()).filter(i -> before.get(i).equals(now.get(i)))
                    .count();
            assertTrue(kept >= 28, kept + " of " + others.size() + " untouched answers kept");

            ledger.rollback(List.of(ids.get(3)));
            assertEquals(original, Answers.of(model, cases.get(3).request().filledPrompt()));
            Edit next = editor.computeEdit(model, List.of(cases.get(6).request()), context(6, ledger));
            long expected = rows.stream().mapToLong(Integer::longValue).sum() - rows.get(3)
                    + (Integer) ((Map<?, ?>) next.metadata().get(UltraEditProvider.MOMENTS)).get("rows");
            assertEquals(expected, ((Number) next.metadata().get("normalizer_rows")).longValue(),
                    "the rolled-back edit's rows are out of the normalisation");
            ledger.record(next, Map.of());
            LifelongNormalizer state = LifelongNormalizer.replay(ledger.history(), width);
            rowsBefore = state.rows();
            mean = state.mean();
            std = state.std();
            after = Answers.of(model, others);
        }
        try (Transformer fresh = DemoModel.load(Device.cpu()); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(6, ledger.recovery().replayedEdits());
            LifelongNormalizer replayed = LifelongNormalizer.replay(ledger.history(), width);
            assertEquals(rowsBefore, replayed.rows());
            assertArrayEquals(mean, replayed.mean(), 0.0, "the running mean after replay");
            assertArrayEquals(std, replayed.std(), 0.0, "the running deviation after replay");
            assertEquals(after, Answers.of(fresh, others));
        }
    }
}
