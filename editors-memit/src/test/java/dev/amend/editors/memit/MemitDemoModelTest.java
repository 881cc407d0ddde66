package dev.amend.editors.memit;

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

/** MEMIT on the demo model, one batch (the full 100-edit batch is `./amend bench counterfact`). */
class MemitDemoModelTest {
    @Test
    void aBatchOfEditsIsEffectiveAndSpecific() {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            MemitProvider p = new MemitProvider();
            int n = 50;
            CounterFactBench.Report r = CounterFactBench.run(model, "memit", p.create(p.defaults(model.architecture())),
                    CounterFactBench.cases(FactCorpus.load(), n, 5, 7), CounterFactBench.standardEvaluators(), null,
                    new CounterFactBench.Options(n, 7, CounterFactBench.Mode.BATCH, 1, 100, 5, 0),
                    new EditContext(7, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                            DemoModel.statisticsCorpus(), List.of()));
            assertTrue(r.score("counterfact-probability", "efficacy") >= 0.80, r.scores().toString());
            assertTrue(r.score("counterfact-probability", "specificity") >= 0.85, r.scores().toString());
        }
    }
}
