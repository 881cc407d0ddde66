package dev.amend.editors.rome;

import dev.amend.kit.ConditionRestraint;
import dev.amend.kit.ContextTemplates;
import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.KeyCollector;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.Locators;
import dev.amend.kit.NormAnchor;
import dev.amend.kit.RankOneSpread;
import dev.amend.kit.TemplateGroups;
import dev.amend.kit.ValueTargets;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.LinearAlgebra;
import dev.amend.kit.linalg.SpdSolver;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ROME, request by request: key k̄ = the MLP key at the subject's last token averaged over context
 * prefixes; value v* = the MLP output plus the δ that makes the model emit the target; update
 * ΔW = (v* − W k)(C⁻¹k̄)ᵀ / ((C⁻¹k̄)ᵀ k) with k = k̄ and W k the prefix-averaged output (R-ROME, as
 * rebuilding-rome's random-prefix keys) or k = the plain prompt's key (original ROME). Without
 * mom2_adjustment C is the identity and no statistics are read. Several requests are edited one after
 * the other, each on the model with the earlier ones applied; the model is restored before returning.
 */
final class RomeEditor implements Editor {
    private final RomeHyperparameters h;

    RomeEditor(RomeHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        int layer = h.layers().get(0);
        EditPoint point = model.architecture().editPoint(layer);
        Locator locator = Locators.named(h.factToken());
        long tTemplates = System.nanoTime();
        List<String> templates = templates(model, ctx.seed());
        long t0 = System.nanoTime();
        Map<Integer, LayerStatistics.Moment> stats = h.mom2Adjustment()
                ? LayerStatistics.collect(model, List.of(layer), ctx.requireCorpus(),
                        LayerStatistics.Sample.texts(h.mom2NSamples()), ctx.cacheDir(), ctx.progress())
                : Map.of();
        long tStats = System.nanoTime();
        SpdSolver covariance = h.mom2Adjustment() ? LinearAlgebra.forModel(model)
                .factorSpd(stats.get(layer).secondMoment(), stats.get(layer).dim()) : null;
        long t1 = System.nanoTime();
        double solve = (t1 - tStats) / 1e9;
        List<WeightDelta> deltas = new ArrayList<>();
        List<Map<String, Object>> perRequest = new ArrayList<>();
        List<Map<String, Object>> anchored = new ArrayList<>();
        double optimisation = (t0 - tTemplates) / 1e9;   // the context templates, then each value optimisation
        double insertion = 0;
        int nonFinite = 0;
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, List.of(point.weight()))) {
            try {
                for (int i = 0; i < requests.size(); i++) {
                    ctx.checkCancelled();
                    ctx.progress().progress("rome", i, requests.size());
                    EditRequest r = requests.get(i);
                    long a = System.nanoTime();
                    KeyCollector.Collected kv = KeyCollector.collect(model, layer, List.of(r),
                            TemplateGroups.single(templates), locator, layer, Site.MLP_OUTPUT);
                    double[] kAvg = kv.meanKey(0);
                    double[] kDen = h.originalRome() ? kv.keys()[0][0] : kAvg;
                    double[] current = h.originalRome() ? kv.values()[0][0] : kv.meanValue(0);
                    long s0 = System.nanoTime();
                    double[] u = covariance == null ? kAvg.clone() : covariance.solve(kAvg);
                    double solved = (System.nanoTime() - s0) / 1e9;
                    solve += solved;
                    DeltaOptimizer.Problem problem = ValueTargets.problem(model, r, templates, locator, layer,
                            Site.MLP_OUTPUT, h.klAtLastToken());
                    if (h.editAwareValues()) {
                        problem = problem.withSpread(RankOneSpread.coefficients(model, problem, u, kDen));
                    }
                    DeltaOptimizer.Outcome v = DeltaOptimizer.optimise(model, problem, settings(), ctx::checkCancelled);
                    long b = System.nanoTime();
                    double[] residual = new double[current.length];
                    double[] target = NormAnchor.target(model, r, locator, layer, Site.MLP_OUTPUT, v, h.normAnchor(),
                            anchored);
                    for (int j = 0; j < residual.length; j++) {
                        // edit-aware: δ already is what the update adds at k*; otherwise ROME's v* − W k*
                        residual[j] = !h.editAwareValues() ? target[j] - current[j]
                                : h.normAnchor() == 0 ? v.delta()[j] : target[j] - v.initial()[j];
                    }
                    LeastSquares.Update upd = LeastSquares.rankOne(residual, u, kDen);
                    WeightDelta delta = upd.toWeightDelta(point.weight());
                    model.addToWeight(delta);
                    deltas.add(delta);
                    long c = System.nanoTime();
                    optimisation += (b - a) / 1e9 - solved;
                    insertion += (c - b) / 1e9;
                    nonFinite += v.stoppedOnNonFinite() ? 1 : 0;
                    perRequest.add(requestRecord(r, v));
                }
                ctx.progress().progress("rome", requests.size(), requests.size());
            } finally {
                snapshot.restore();
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layer", layer);
        meta.put("key_variant", h.originalRome() ? "original" : "r-rome");
        meta.put("edit_aware_values", h.editAwareValues());
        meta.put("kl_at_last_token", h.klAtLastToken());
        meta.put("requests", perRequest);
        meta.put("norm_anchor", NormAnchor.describe(h.normAnchor(), anchored));
        meta.put("non_finite_steps", nonFinite);
        meta.putAll(LayerStatistics.describe(stats, h.mom2NSamples()));
        meta.put("seconds_statistics", (tStats - t0) / 1e9);
        meta.put("seconds_optimisation", optimisation);
        meta.put("seconds_insertion", insertion);
        meta.put("seconds_solve", solve);     // the covariance factorisation and each C⁻¹k
        List<WeightDelta> kept = ConditionRestraint.applyIf(h.pruneRestraint(), model, deltas, ctx.history(), meta);
        return new Edit("rome", RomeProvider.VERSION, requests, HyperparameterBinder.toMap(h), templates, kept, meta);
    }

    /** Returns the given templates as one list, or ROME's sampled from the start-of-text token. */
    private List<String> templates(EditableModel model, long seed) {
        return h.contextTemplates().isEmpty()
                ? ContextTemplates.rome(model, h.contextTemplateLengthParams(), seed).flat()
                : new TemplateGroups(h.contextTemplates()).flat();
    }

    private static Map<String, Object> requestRecord(EditRequest r, DeltaOptimizer.Outcome v) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("subject", r.subject());
        info.put("losses", v.losses());
        info.put("optimisation_steps", v.steps());
        info.put("stopped_on_non_finite", v.stoppedOnNonFinite());
        info.put("delta_norm", Vectors.norm(v.delta()));
        info.put("value_norm", Vectors.norm(v.initial()));
        return info;
    }

    private DeltaOptimizer.Settings settings() {
        return new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(), h.clampNormFactor(),
                h.klFactor(), h.earlyStopLoss());
    }
}
