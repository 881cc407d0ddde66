package dev.amend.editors.memit;

import dev.amend.spi.Edit;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.ModelArchitecture;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.kit.DeltaOptimizer;
import dev.amend.spi.kit.DistributedInsertion;
import dev.amend.spi.kit.HyperparameterDefaults;
import dev.amend.spi.kit.LayerStatistics;
import dev.amend.spi.kit.LeastSquares;
import dev.amend.spi.kit.Locators;
import java.util.LinkedHashMap;
import java.util.Map;

/** Registers MEMIT ({@code memit}) with ServiceLoader. */
public final class MemitProvider implements EditorProvider<MemitHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "memit";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "MEMIT: a batch of facts spread over several layers, ΔW = R Kᵀ (λC + K Kᵀ)⁻¹ per layer";
    }

    @Override
    public Class<MemitHyperparameters> hyperparameterType() {
        return MemitHyperparameters.class;
    }

    @Override
    public MemitHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(MemitHyperparameters.class, MemitHyperparameters.BASE, MemitProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(MemitHyperparameters h) {
        return (model, requests, ctx) -> {
            long t0 = System.nanoTime();
            Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, h.layers(),
                    ctx.requireCorpus(), h.mom2NSamples(), ctx.cacheDir(), ctx.progress());
            long t1 = System.nanoTime();
            int d = model.architecture().hiddenSize();
            int dff = model.architecture().intermediateSize();
            DistributedInsertion.Result r = DistributedInsertion.run(model, requests, ctx,
                    new DistributedInsertion.Settings(h.layers(), Locators.named(h.factToken()),
                            new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(),
                                    h.clampNormFactor(), h.klFactor(), h.earlyStopLoss()),
                            h.contextTemplateLengthParams()),
                    (layer, keys, residuals, n) -> LeastSquares.memit(keys, residuals,
                            stats.get(layer).secondMoment(), dff, d, n, h.mom2UpdateWeight()));
            Map<String, Object> meta = new LinkedHashMap<>(r.metadata());
            meta.put("seconds_statistics", (t1 - t0) / 1e9);
            meta.put("statistics_cached", stats.values().stream().allMatch(LayerStatistics.Moment::fromCache));
            return new Edit("memit", VERSION, requests, HyperparameterBinder.toMap(h), r.templates(), r.deltas(), meta);
        };
    }
}
