package dev.amend.editors.anyedit;

import ai.djl.Device;
import dev.amend.bench.LongFormBench;
import dev.amend.bench.LongFormItem;
import dev.amend.demo.DemoModel;
import dev.amend.editors.memit.MemitProvider;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import java.util.List;
import java.util.Map;

/**
 * Manual probe behind the demo profile's window (not part of the suite; skipped unless {@code -Dprobe=true}):
 * edits the first 78 tokens of the first UnKE answer with MEMIT+AnyEdit and prints every chunk's losses, the
 * timings and the generation. {@code -Dw=N -Dsteps=N -Dclamp=X} override the window, steps and clamp.
 */
class AnyEditProbe {
    @org.junit.jupiter.api.Test
    void probe() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("probe"));
        try (Transformer model = DemoModel.load(Device.cpu())) {
            LongFormItem item = LongFormItem.read(dev.amend.runtime.SharedFixtures.require("benchmarks").resolve("unke-dev.json")).items().get(0);
            String target = " Lillian Lawrence has been working as a sailor for the past 10 years. She has sailed across the Atlantic and Pacific oceans, and has experience in navigating through rough weather conditions.";
            EditRequest r = new EditRequest(item.promptTemplate(), item.subject(), target, List.of());
            MemitProvider mp = new MemitProvider();
            var mh = HyperparameterBinder.bind(dev.amend.editors.memit.MemitHyperparameters.class,
                    mp.defaults(model.architecture()), Map.of(), model.architecture(), "probe").value();
            AnyEditProvider ap = new AnyEditProvider();
            var ah = HyperparameterBinder.bind(AnyEditHyperparameters.class, ap.defaults(model.architecture()),
                    Map.of("window_size", Integer.getInteger("w", 20), "v_num_grad_steps", Integer.getInteger("steps", 25),
                            "clamp_norm_factor", Double.parseDouble(System.getProperty("clamp", "4"))), model.architecture(), "probe").value();
            var editor = ap.decorate(mp.create(mh), "memit", ah);
            EditContext ctx = EditContext.defaults(AmendDirs.cache(), DemoModel.statisticsCorpus());
            long t0 = System.nanoTime();
            Edit e = editor.computeEdit(model, List.of(r), ctx);
            System.out.println("seconds " + (System.nanoTime() - t0) / 1e9);
            System.out.println(e.metadata().get("chunks"));
            System.out.println("opt " + e.metadata().get("seconds_optimisation") + " ins " + e.metadata().get("seconds_insertion"));
            Map<?, ?> bm = (Map<?, ?>) e.metadata().get("base_metadata");
            System.out.println(bm.get("seconds_statistics") + " stats; " + bm.get("mean_residual_norm_per_layer") + " edited " + bm.get("edited_keys") + " preserved " + bm.get("preserved_keys"));
            e.applyTo(model);
            System.out.println("GEN: " + LongFormBench.generate(model, item.question(), LongFormBench.Options.defaults(1)));
            e.revertFrom(model);
        }
    }
}
