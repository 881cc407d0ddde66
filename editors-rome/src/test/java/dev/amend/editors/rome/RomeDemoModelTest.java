package dev.amend.editors.rome;

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

/** ROME on the demo model, one edit at a time (the full 100-edit run is `./amend bench counterfact`). */
class RomeDemoModelTest {
    @Test
    void individualEditsAreEffectiveAndSpecificWithTheCorrectedKey() {
        CounterFactBench.Report r = run(false);
        assertTrue(r.score("counterfact-probability", "efficacy") >= 0.85, r.scores().toString());
        assertTrue(r.score("counterfact-probability", "specificity") >= 0.90, r.scores().toString());
    }

    @Test
    void theOriginalKeyReachesNinetyFivePercentOnTheEditedPrompt() {
        CounterFactBench.Report r = run(true);
        assertTrue(r.score("counterfact-probability", "efficacy") >= 0.95, r.scores().toString());
        assertTrue(r.score("counterfact-probability", "specificity") >= 0.90, r.scores().toString());
    }

    private static CounterFactBench.Report run(boolean original) {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            RomeProvider p = new RomeProvider();
            RomeHyperparameters d = p.defaults(model.architecture());
            RomeHyperparameters h = d.withOriginalRome(original);
            int n = 20;
            return CounterFactBench.run(model, "rome", p.create(h),
                    CounterFactBench.cases(FactCorpus.load(), n, 5, 7), CounterFactBench.standardEvaluators(), null,
                    new CounterFactBench.Options(n, 7, CounterFactBench.Mode.INDIVIDUAL, 1, 100, 5, 0),
                    new EditContext(7, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                            DemoModel.statisticsCorpus(), List.of()));
        }
    }
}
