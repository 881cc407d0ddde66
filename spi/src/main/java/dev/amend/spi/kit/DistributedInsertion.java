package dev.amend.spi.kit;

import dev.amend.spi.EditContext;
import dev.amend.spi.EditPoint;
import dev.amend.spi.EditRequest;
import dev.amend.spi.EditableModel;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.Locator;
import dev.amend.spi.Site;
import dev.amend.spi.WeightDelta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MEMIT's spreading of many facts over several layers, shared by MEMIT and AlphaEdit (which differ
 * only in the per-layer solve): a target z for each request is optimised on the residual stream after
 * the last edit layer; then, layer by layer with the earlier layers already updated, the remaining
 * residual z − (current output) is split evenly over the layers left and inserted at the averaged
 * keys. The model is restored before returning; the deltas are returned per layer.
 */
public final class DistributedInsertion {

    /** Solves one layer's update from its keys K [d_ff, n] and its share of the residuals R [d, n]. */
    @FunctionalInterface
    public interface LayerSolver {
        /** Returns ΔW [d, d_ff] for {@code layer}. */
        LeastSquares.Update solve(int layer, double[] keys, double[] residuals, int n);
    }

    /**
     * Settings shared by the multi-layer methods.
     *
     * @param layers         edit layers, ascending
     * @param locator        which token's key is edited
     * @param delta          the target optimisation settings
     * @param templateParams pairs [length, count] of generated context prefixes
     */
    public record Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                           List<List<Integer>> templateParams) {
        /** Copies the lists and checks the layers are ascending. */
        public Settings {
            layers = List.copyOf(layers);
            templateParams = List.copyOf(templateParams);
            if (layers.isEmpty()) {
                throw new InvalidRequestException("give at least one edit layer");
            }
            for (int i = 1; i < layers.size(); i++) {
                if (layers.get(i) <= layers.get(i - 1)) {
                    throw new InvalidRequestException("edit layers must be ascending and distinct, got " + layers);
                }
            }
        }
    }

    /**
     * The outcome.
     *
     * @param deltas    one per layer, in layer order
     * @param templates the context templates used
     * @param keys      per layer the keys K [d_ff, n] the update was solved at
     * @param metadata  losses, norms and timings for the edit record
     */
    public record Result(List<WeightDelta> deltas, List<String> templates, Map<Integer, double[]> keys,
                         Map<String, Object> metadata) {
    }

    private DistributedInsertion() {
    }

    /** Returns the context templates for {@code templateParams}, seeded by {@code seed}, bare prompt first. */
    public static List<String> templates(EditableModel model, List<List<Integer>> templateParams, long seed) {
        List<String> templates = new ArrayList<>(List.of("{}"));
        long s = seed;
        for (List<Integer> lp : templateParams) {
            templates.addAll(ContextTemplates.generate(model, lp.get(1), lp.get(0), s).subList(1, lp.get(1) + 1));
            s += 1000;
        }
        return List.copyOf(templates);
    }

    /** Runs the insertion of {@code requests} with {@code solver}; the model is unchanged afterwards. */
    public static Result run(EditableModel model, List<EditRequest> requests, EditContext ctx, Settings s,
                             LayerSolver solver) {
        long t0 = System.nanoTime();
        int n = requests.size();
        int d = model.architecture().hiddenSize();
        int dff = model.architecture().intermediateSize();
        int zLayer = s.layers().get(s.layers().size() - 1);
        List<String> templates = templates(model, s.templateParams(), ctx.seed());
        // targets on the residual stream after the last edit layer
        double[][] z = new double[n][];
        List<Object> losses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ctx.checkCancelled();
            ctx.progress().progress("targets", i, n);
            DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model, ValueTargets.problem(model, requests.get(i),
                    templates, s.locator(), zLayer, Site.LAYER_OUTPUT), s.delta());
            z[i] = o.target();
            losses.add(Map.of("subject", requests.get(i).subject(), "first", o.losses().get(0),
                    "last", o.losses().get(o.losses().size() - 1), "steps", o.steps()));
        }
        ctx.progress().progress("targets", n, n);
        long t1 = System.nanoTime();
        List<String> weights = new ArrayList<>();
        for (int layer : s.layers()) {
            weights.add(model.architecture().editPoint(layer).weight());
        }
        List<WeightDelta> deltas = new ArrayList<>();
        Map<Integer, double[]> keysByLayer = new LinkedHashMap<>();
        List<Double> residualNorms = new ArrayList<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, weights)) {
            try {
                for (int i = 0; i < s.layers().size(); i++) {
                    ctx.checkCancelled();
                    int layer = s.layers().get(i);
                    EditPoint point = model.architecture().editPoint(layer);
                    // keys of this layer over all templates, and in the same passes the current output of the last
                    // edit layer; template 0 is the bare prompt, where the target z was set
                    KeyCollector.Collected keys = KeyCollector.collect(model, layer, requests, templates, s.locator(),
                            zLayer, Site.LAYER_OUTPUT);
                    double[] k = new double[dff * n];
                    double[] r = new double[d * n];
                    int left = s.layers().size() - i;
                    double norm = 0;
                    for (int j = 0; j < n; j++) {
                        double[] kj = keys.meanKey(j);
                        double[] cur = keys.values()[j][0];
                        for (int a = 0; a < dff; a++) {
                            k[a * n + j] = kj[a];
                        }
                        for (int a = 0; a < d; a++) {
                            double res = z[j][a] - cur[a];
                            norm += res * res;
                            r[a * n + j] = res / left;
                        }
                    }
                    residualNorms.add(Math.sqrt(norm / n));
                    LeastSquares.Update update = solver.solve(layer, k, r, n);
                    WeightDelta delta = update.toWeightDelta(point.weight());
                    model.addToWeight(delta);
                    deltas.add(delta);
                    keysByLayer.put(layer, k);
                    ctx.progress().progress("insertion", i + 1, s.layers().size());
                }
            } finally {
                snapshot.restore();
            }
        }
        long t2 = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", s.layers());
        meta.put("optimisation", losses);
        meta.put("mean_residual_norm_per_layer", residualNorms);
        meta.put("seconds_optimisation", (t1 - t0) / 1e9);
        meta.put("seconds_insertion", (t2 - t1) / 1e9);
        return new Result(deltas, templates, keysByLayer, meta);
    }
}
