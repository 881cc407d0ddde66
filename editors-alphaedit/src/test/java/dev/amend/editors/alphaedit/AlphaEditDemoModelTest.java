package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.bench.CounterFactBench;
import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.EditContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AlphaEdit on the demo model, edits applied one after another (the full 500-edit run is `./amend bench counterfact`). */
class AlphaEditDemoModelTest {
    @Test
    void sequentialEditsStayEffective() {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            AlphaEditProvider p = new AlphaEditProvider();
            int n = 40;
            CounterFactBench.Report r = CounterFactBench.run(model, "alphaedit", p.create(p.defaults(model.architecture())),
                    CounterFactBench.cases(FactCorpus.load(), n, 5, 7), CounterFactBench.standardEvaluators(), null,
                    new CounterFactBench.Options(n, 7, CounterFactBench.Mode.SEQUENTIAL, 1, 20, 5, 0),
                    new EditContext(7, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                            DemoModel.statisticsCorpus(), List.of()));
            assertTrue(r.score("counterfact-probability", "efficacy") >= 0.70, r.scores().toString());
            assertTrue(r.score("counterfact-probability", "specificity") >= 0.85, r.scores().toString());
            // checkpoints after 20 and 40 edits; the first one's recent edits are all the edits so far, and the last
            // one's overall scores are the run's
            assertEquals(List.of(20, 40), r.checkpoints().stream().map(CounterFactBench.Checkpoint::edits).toList());
            CounterFactBench.Checkpoint first = r.checkpoints().get(0);
            CounterFactBench.Checkpoint last = r.checkpoints().get(1);
            assertEquals(first.efficacy(), first.recentEfficacy(), 1e-12, first.toString());
            assertEquals(r.score("counterfact-probability", "efficacy"), last.efficacy(), 1e-12, last.toString());
            assertTrue(last.recentEfficacy() >= 0 && last.recentEfficacy() <= 1, last.toString());
        }
    }
}
