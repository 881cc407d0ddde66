package dev.amend.examples.rankone;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.KeyCollector;
import dev.amend.kit.Locators;
import dev.amend.kit.ValueTargets;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.Adapter;
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
 * The minimum-norm rank-one edit, request by request, all through the SPI kit:
 * <ol>
 *   <li>the value: Adam finds the δ to add to the MLP output of {@code layer} at the subject's last token so that
 *       the model emits the target ({@link DeltaOptimizer}, with the KL and norm-clamp terms ROME uses);</li>
 *   <li>the key k: the input of the MLP output projection W at that token ({@link KeyCollector});</li>
 *   <li>the update: the ΔW of least Frobenius norm with (W + ΔW) k = W k + r, r = v* − W k, which is
 *       ΔW = r kᵀ / (kᵀ k) ({@link LeastSquares#rankOne} with u = k).</li>
 * </ol>
 * It is ROME without the key covariance (so it needs no layer statistics and no corpus), and it disturbs
 * other keys more than ROME does: ΔW c = (kᵀc / kᵀk) r for any key c. Several requests are edited one after the
 * other on the model with the earlier ones applied; the model is restored before returning. With {@code as_adapter}
 * each update is kept as an {@link RankOneKind} adapter instead of a weight delta.
 */
final class RankOneEditor implements Editor {
    private final RankOneHyperparameters h;
    private final String version;

    RankOneEditor(RankOneHyperparameters h, String version) {
        this.h = h;
        this.version = version;
    }

    /** Returns the edit writing {@code requests}; the model is unchanged afterwards. */
    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        EditPoint point = model.architecture().editPoint(h.layer());
        Locator locator = Locators.named(h.factToken());
        List<String> templates = DistributedInsertion.templates(model, h.contextTemplateLengthParams(), ctx.seed());
        DeltaOptimizer.Settings settings = new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(),
                h.clampNormFactor(), h.klFactor(), h.earlyStopLoss());
        List<WeightDelta> deltas = new ArrayList<>();
        List<Adapter> adapters = new ArrayList<>();
        List<Map<String, Object>> perRequest = new ArrayList<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, List.of(point.weight()))) {
            try {
                for (int i = 0; i < requests.size(); i++) {
                    ctx.checkCancelled();
                    ctx.progress().progress("example-rank-one", i, requests.size());
                    EditRequest r = requests.get(i);
                    DeltaOptimizer.Outcome v = DeltaOptimizer.optimise(model,
                            ValueTargets.problem(model, r, templates, locator, h.layer(), Site.MLP_OUTPUT), settings);
                    KeyCollector.Collected kv = KeyCollector.collect(model, h.layer(), List.of(r), templates, locator,
                            Site.MLP_OUTPUT);
                    double[] k = kv.meanKey(0);
                    double[] current = kv.meanValue(0);
                    double[] target = v.target();
                    double[] residual = new double[current.length];
                    for (int j = 0; j < residual.length; j++) {
                        residual[j] = target[j] - current[j];
                    }
                    if (h.asAdapter()) {
                        double[] scaledKey = k.clone();
                        double kk = Vectors.dot(k, k);
                        for (int j = 0; j < scaledKey.length; j++) {
                            scaledKey[j] /= kk;
                        }
                        Adapter a = RankOneKind.adapter(h.layer(), Vectors.toFloats(residual),
                                Vectors.toFloats(scaledKey));
                        model.addAdapter(a);
                        adapters.add(a);
                    } else {
                        WeightDelta delta = LeastSquares.rankOne(residual, k, k).toWeightDelta(point.weight());
                        model.addToWeight(delta);
                        deltas.add(delta);
                    }
                    Map<String, Object> info = new LinkedHashMap<>();
                    info.put("subject", r.subject());
                    info.put("losses", v.losses());
                    info.put("optimisation_steps", v.steps());
                    info.put("residual_norm", Vectors.norm(residual));
                    info.put("key_norm", Vectors.norm(k));
                    perRequest.add(info);
                }
                ctx.progress().progress("example-rank-one", requests.size(), requests.size());
            } finally {
                snapshot.restore();
                model.removeAdapters(adapters);
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layer", h.layer());
        meta.put("requests", perRequest);
        return new Edit("example-rank-one", version, requests, HyperparameterBinder.toMap(h), templates, deltas, meta,
                adapters);
    }
}
