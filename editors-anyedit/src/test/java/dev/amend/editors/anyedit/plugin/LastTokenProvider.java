package dev.amend.editors.anyedit.plugin;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.KeyCollector;
import dev.amend.kit.Locators;
import dev.amend.kit.ValueTargets;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A third-party-style plugin that knows nothing of AnyEdit and offers only the plain {@link Editor}
 * contract: per request, a rank-one update ΔW = (v* − v) kᵀ / (kᵀ k) of one MLP at the prompt's last
 * token, with v* = v + δ from the kit's delta optimisation (no covariance, no context prefixes).
 * Registered through this module's test ServiceLoader file as {@code lasttoken}.
 */
public final class LastTokenProvider implements EditorProvider<LastTokenProvider.Settings> {

    /**
     * Its hyperparameters.
     *
     * @param layer the edited block
     * @param steps Adam steps
     * @param lr    Adam learning rate
     */
    public record Settings(int layer, int steps, double lr) implements Hyperparameters {
    }

    @Override
    public String name() {
        return "lasttoken";
    }

    @Override
    public String version() {
        return "0.1";
    }

    @Override
    public String description() {
        return "test plugin: rank-one update at the prompt's last token";
    }

    @Override
    public Class<Settings> hyperparameterType() {
        return Settings.class;
    }

    @Override
    public Settings defaults(ModelArchitecture architecture) {
        return new Settings(2, 20, 0.5);
    }

    @Override
    public Editor create(Settings s) {
        return (model, requests, ctx) -> edit(s, model, requests, ctx);
    }

    private static Edit edit(Settings s, EditableModel model, List<EditRequest> requests, EditContext ctx) {
        String weight = model.architecture().editPoint(s.layer()).weight();
        List<WeightDelta> deltas = new ArrayList<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, List.of(weight))) {
            try {
                for (EditRequest r : requests) {
                    DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model,
                            ValueTargets.problem(model, r, List.of("{}"), Locators.LAST, s.layer(), Site.MLP_OUTPUT),
                            new DeltaOptimizer.Settings(s.steps(), s.lr(), 0.01, 20, 0.0625, 1e-2));
                    KeyCollector.Collected kv = KeyCollector.collect(model, s.layer(), List.of(r), List.of("{}"),
                            Locators.LAST, Site.MLP_OUTPUT);
                    double[] k = kv.keys()[0][0];
                    double[] residual = o.target();
                    double[] current = kv.values()[0][0];
                    for (int i = 0; i < residual.length; i++) {
                        residual[i] -= current[i];
                    }
                    WeightDelta d = LeastSquares.rankOne(residual, k, k).toWeightDelta(weight);
                    model.addToWeight(d);
                    deltas.add(d);
                }
            } finally {
                snapshot.restore();
            }
        }
        return new Edit("lasttoken", "0.1", requests, Map.of("layer", s.layer()), List.of(), deltas, Map.of());
    }
}
