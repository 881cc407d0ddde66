package dev.amend.editors.rome;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.KeyCollector;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.Locators;
import dev.amend.kit.RankOneSpread;
import dev.amend.kit.ValueTargets;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.Cholesky;
import dev.amend.kit.linalg.LeastSquares;
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
 * ΔW = (v* − W k)(C⁻¹k̄)ᵀ / ((C⁻¹k̄)ᵀ k) with k = k̄ (R-ROME, default) or the plain prompt's key
 * (original ROME). Several requests are edited one after the other, each on the model with the
 * earlier ones applied; the model is restored before returning.
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
        long t0 = System.nanoTime();
        List<String> templates = DistributedInsertion.templates(model, h.contextTemplateLengthParams(), ctx.seed());
        LayerStatistics.Moment stats = LayerStatistics.collect(model, List.of(layer), ctx.requireCorpus(),
                h.mom2NSamples(), ctx.cacheDir(), ctx.progress()).get(layer);
        Cholesky covariance = h.mom2Adjustment() ? Cholesky.of(stats.secondMoment(), stats.dim()) : null;
        long t1 = System.nanoTime();
        List<WeightDelta> deltas = new ArrayList<>();
        List<Map<String, Object>> perRequest = new ArrayList<>();
        double optimisation = 0;
        double insertion = 0;
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, List.of(point.weight()))) {
            try {
                for (int i = 0; i < requests.size(); i++) {
                    ctx.checkCancelled();
                    ctx.progress().progress("rome", i, requests.size());
                    EditRequest r = requests.get(i);
                    long a = System.nanoTime();
                    KeyCollector.Collected kv = KeyCollector.collect(model, layer, List.of(r), templates, locator,
                            Site.MLP_OUTPUT);
                    double[] kAvg = kv.meanKey(0);
                    double[] kDen = h.originalRome() ? kv.keys()[0][0] : kAvg;
                    double[] current = h.originalRome() ? kv.values()[0][0] : kv.meanValue(0);
                    double[] u = covariance == null ? kAvg.clone() : covariance.solve(kAvg);
                    DeltaOptimizer.Problem problem = ValueTargets.problem(model, r, templates, locator, layer,
                            Site.MLP_OUTPUT);
                    if (h.editAwareValues()) {
                        problem = problem.withSpread(RankOneSpread.coefficients(model, problem, u, kDen));
                    }
                    DeltaOptimizer.Outcome v = DeltaOptimizer.optimise(model, problem, settings());
                    long b = System.nanoTime();
                    double[] residual = new double[current.length];
                    double[] target = v.target();
                    for (int j = 0; j < residual.length; j++) {
                        // edit-aware: δ already is what the update adds at k*; otherwise ROME's v* − W k*
                        residual[j] = h.editAwareValues() ? v.delta()[j] : target[j] - current[j];
                    }
                    LeastSquares.Update upd = LeastSquares.rankOne(residual, u, kDen);
                    WeightDelta delta = upd.toWeightDelta(point.weight());
                    model.addToWeight(delta);
                    deltas.add(delta);
                    long c = System.nanoTime();
                    optimisation += (b - a) / 1e9;
                    insertion += (c - b) / 1e9;
                    Map<String, Object> info = new LinkedHashMap<>();
                    info.put("subject", r.subject());
                    info.put("losses", v.losses());
                    info.put("optimisation_steps", v.steps());
                    info.put("stopped_on_non_finite", v.stoppedOnNonFinite());
                    info.put("delta_norm", Vectors.norm(v.delta()));
                    info.put("value_norm", Vectors.norm(v.initial()));
                    perRequest.add(info);
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
        meta.put("requests", perRequest);
        meta.put("statistics_tokens", stats.tokens());
        meta.put("statistics_cached", stats.fromCache());
        meta.put("seconds_statistics", (t1 - t0) / 1e9);
        meta.put("seconds_optimisation", optimisation);
        meta.put("seconds_insertion", insertion);
        return new Edit("rome", RomeProvider.VERSION, requests, HyperparameterBinder.toMap(h), templates, deltas, meta);
    }

    private DeltaOptimizer.Settings settings() {
        return new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(), h.clampNormFactor(),
                h.klFactor(), h.earlyStopLoss());
    }
}
