package dev.amend.kit;

import dev.amend.kit.linalg.LeastSquares;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.KeyValueInsertion;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.Arrays;
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
     * @param templateParams pairs [length, count] of generated context prefixes (MEMIT's starters)
     * @param preservePromptTokens also solve at the keys of every other token of the rewriting prompts (each
     *                       request's prompt in every context template, followed by its target) with a zero
     *                       residual (Amend's extension: the target was optimised with only the located token
     *                       changed, and the update then leaves the other tokens, e.g. the relation's words shared
     *                       by many requests of a batch, as they were)
     * @param passes         times the layer loop runs (Amend's extension; 1 as published): each later pass
     *                       inserts what is left of the residual, measured on the model updated so far, and adds to
     *                       each layer's delta
     * @param templates      the context templates in their groups, or null to generate them from
     *                       {@code templateParams}
     * @param klAtLastToken  the KL term reads the distribution after the KL prompt's last token (Amend's
     *                       extension) instead of at the subject's last token (see {@link ValueTargets})
     * @param normAnchor     bound on ‖v*‖ / ‖W k‖ of each target's value at the last edit layer ({@link NormAnchor};
     *                       0: off, as published)
     */
    public record Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                           List<List<Integer>> templateParams, boolean preservePromptTokens, int passes,
                           TemplateGroups templates, boolean klAtLastToken, double normAnchor) {
        /** Settings of MEMIT as published: no preserved prompt tokens, one pass. */
        public Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                        List<List<Integer>> templateParams) {
            this(layers, locator, delta, templateParams, false, 1);
        }

        /** Settings with generated templates and the KL term read as the reference reads it. */
        public Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                        List<List<Integer>> templateParams, boolean preservePromptTokens, int passes) {
            this(layers, locator, delta, templateParams, preservePromptTokens, passes, null, false, 0);
        }

        /** Copies the lists and checks the layers are ascending. */
        public Settings {
            layers = List.copyOf(layers);
            templateParams = List.copyOf(templateParams);
            if (passes < 1) {
                throw new InvalidRequestException("insertion_passes must be at least 1, got " + passes);
            }
            if (layers.isEmpty()) {
                throw new InvalidRequestException("give at least one edit layer");
            }
            for (int i = 1; i < layers.size(); i++) {
                if (layers.get(i) <= layers.get(i - 1)) {
                    throw new InvalidRequestException("edit layers must be ascending and distinct, got " + layers);
                }
            }
        }

        /** Returns the settings {@code h} gives. */
        public static Settings of(InsertionHyperparameters h) {
            return new Settings(h.layers(), Locators.named(h.factToken()),
                    new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(), h.clampNormFactor(),
                            h.klFactor(), h.earlyStopLoss(), h.vLossLayer()),
                    h.contextTemplateLengthParams(), h.preservePromptTokens(), h.insertionPasses(),
                    h.contextTemplates().isEmpty() ? null : new TemplateGroups(h.contextTemplates()), h.klAtLastToken(),
                    h.normAnchor());
        }

        /** Returns the templates: the given ones, or MEMIT's generated with {@code seed}. */
        public TemplateGroups templates(EditableModel model, long seed) {
            return templates != null ? templates : ContextTemplates.memit(model, templateParams, seed);
        }
    }

    /**
     * The outcome.
     *
     * @param deltas    one per layer, in layer order
     * @param templates the context templates used
     * @param keys       per layer the edited keys K [d_ff, n] the update was solved at (the last pass's)
     * @param promptKeys per layer preserved keys [d_ff, m] that a sequential editor (AlphaEdit) keeps with the
     *                   edited keys so that later edits leave their tokens as they were too: for requests the keys
     *                   at the other tokens of each bare prompt followed by its target (the located token left
     *                   out), for sequences the preserved keys; empty when nothing is preserved
     * @param metadata   losses, norms and timings for the edit record
     */
    public record Result(List<WeightDelta> deltas, List<String> templates, Map<Integer, double[]> keys,
                         Map<Integer, double[]> promptKeys, Map<String, Object> metadata) {
        /** A result without prompt keys. */
        public Result(List<WeightDelta> deltas, List<String> templates, Map<Integer, double[]> keys,
                      Map<String, Object> metadata) {
            this(deltas, templates, keys, Map.of(), metadata);
        }
    }

    private DistributedInsertion() {
    }

    /** Returns MEMIT's context templates for {@code templateParams}, seeded by {@code seed}, bare prompt first. */
    public static List<String> templates(EditableModel model, List<List<Integer>> templateParams, long seed) {
        return ContextTemplates.memit(model, templateParams, seed).flat();
    }

    /**
     * Runs MEMIT's insertion of {@code requests} with {@code solver}: a target z per request on the residual stream
     * after the last edit layer (the value optimisation), then the layer loop with each request's key averaged over
     * the template groups and its residual measured at the bare prompt. The model is unchanged afterwards.
     */
    public static Result run(EditableModel model, List<EditRequest> requests, EditContext ctx, Settings s,
                             LayerSolver solver) {
        long t0 = System.nanoTime();
        int zLayer = s.layers().get(s.layers().size() - 1);
        TemplateGroups groups = s.templates(model, ctx.seed());
        List<Object> losses = new ArrayList<>();
        List<Map<String, Object>> anchored = new ArrayList<>();
        double[][] z = targets(model, requests, ctx, s, groups, zLayer, losses, anchored);
        long t1 = System.nanoTime();
        PromptKeys promptKeys = s.preservePromptTokens()
                ? new PromptKeys(model, requests, groups.flat(), s.locator()) : null;
        LayerLoop.KeySource source = layer -> {
            // this layer's keys over all templates (averaged per group, then over the groups), and in the same
            // passes the current output of the last edit layer, read at the bare prompt
            KeyCollector.Collected keys = KeyCollector.collect(model, layer, requests, groups, s.locator(), zLayer,
                    Site.LAYER_OUTPUT);
            double[][] current = bareOutputs(model, requests, groups.flat(), keys, s.locator(), zLayer);
            double[][] k = new double[requests.size()][];
            double[][] r = new double[requests.size()][];
            for (int j = 0; j < k.length; j++) {
                k[j] = keys.meanKey(j);
                r[j] = minus(z[j], current[j]);
            }
            double[][] kept = promptKeys == null ? new double[0][] : promptKeys.keys(layer);
            return new LayerLoop.LayerKeys(k, r, kept, promptKeys == null ? kept : promptKeys.bare(kept));
        };
        LayerLoop.Outcome o = LayerLoop.run(model, s.layers(), s.passes(), ctx, solver, source,
                () -> residualAfter(model, requests, z, s.locator(), zLayer));
        long t2 = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", s.layers());
        meta.put("preserve_prompt_tokens", s.preservePromptTokens());
        meta.put("preserved_keys", o.preserved());
        meta.put("insertion_passes", s.passes());
        meta.put("mean_residual_norm_after_insertion", o.residualAfter());
        meta.put("optimisation", losses);
        meta.put("norm_anchor", NormAnchor.describe(s.normAnchor(), anchored));
        meta.put("non_finite_steps", (int) losses.stream().filter(l -> Boolean.TRUE.equals(
                ((Map<?, ?>) l).get("stopped_on_non_finite"))).count());
        meta.put("context_template_groups", Arrays.stream(groups.sizes()).boxed().toList());
        meta.put("mean_residual_norm_per_layer", o.residualNorms());
        meta.put("seconds_optimisation", (t1 - t0) / 1e9);
        meta.put("seconds_insertion", (t2 - t1) / 1e9);
        meta.put("seconds_solve", o.solveSeconds());
        return new Result(o.deltas(), groups.flat(), o.keys(), o.remembered(), meta);
    }

    /**
     * Returns each request's target z after layer {@code zLayer} (its value anchored as {@code s} says), adding its
     * optimisation's record to {@code losses} and its anchoring's to {@code anchored}.
     */
    private static double[][] targets(EditableModel model, List<EditRequest> requests, EditContext ctx, Settings s,
                                      TemplateGroups groups, int zLayer, List<Object> losses,
                                      List<Map<String, Object>> anchored) {
        int n = requests.size();
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            ctx.checkCancelled();
            ctx.progress().progress("targets", i, n);
            DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model, ValueTargets.problem(model, requests.get(i),
                    groups.flat(), s.locator(), zLayer, Site.LAYER_OUTPUT, s.klAtLastToken()), s.delta(),
                    ctx::checkCancelled);
            z[i] = NormAnchor.target(model, requests.get(i), s.locator(), zLayer, Site.LAYER_OUTPUT, o, s.normAnchor(),
                    anchored);
            losses.add(Map.of("subject", requests.get(i).subject(), "first", o.losses().get(0),
                    "last", o.losses().get(o.losses().size() - 1), "steps", o.steps(),
                    "stopped_on_non_finite", o.stoppedOnNonFinite()));
        }
        ctx.progress().progress("targets", n, n);
        return z;
    }

    /**
     * Returns each request's current output of block {@code zLayer} at its located token in the bare prompt, where
     * MEMIT measures what is left of the residual: from {@code collected} when a template is {@code "{}"}, else
     * from a pass of its own.
     */
    private static double[][] bareOutputs(EditableModel model, List<EditRequest> requests, List<String> templates,
                                          KeyCollector.Collected collected, Locator locator, int zLayer) {
        int bare = templates.indexOf("{}");
        KeyCollector.Collected source = bare >= 0 ? collected
                : KeyCollector.collect(model, zLayer, requests, List.of("{}"), locator, zLayer, Site.LAYER_OUTPUT);
        double[][] out = new double[requests.size()][];
        for (int j = 0; j < out.length; j++) {
            out[j] = source.values()[j][Math.max(bare, 0)];
        }
        return out;
    }

    /** Returns the root mean square of what is left of the residuals at the bare prompts on the model as it is. */
    private static double residualAfter(EditableModel model, List<EditRequest> requests, double[][] z, Locator locator,
                                        int zLayer) {
        KeyCollector.Collected after = KeyCollector.collect(model, zLayer, requests, List.of("{}"), locator, zLayer,
                Site.LAYER_OUTPUT);
        double[][] left = new double[requests.size()][];
        for (int j = 0; j < left.length; j++) {
            left[j] = minus(z[j], after.values()[j][0]);
        }
        return LayerLoop.rmsNorm(left);
    }

    private static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    /**
     * Runs the layer loop for values already optimised at chosen token positions (AnyEdit's chunk keys):
     * for each layer, with the earlier layers updated, the residual between each target value and the
     * current output of the last edit layer is split over the layers left and inserted at the keys of
     * those positions; the keys of the other positions of a sequence marked {@code preserveOthers} join
     * the solve as extra columns with a zero residual (so {@code R Kᵀ} is unchanged and they only enter
     * the key Gram matrix, as in AnyEdit's {@code λC + K_p K_pᵀ + K Kᵀ}); the result's prompt keys are those.
     * Returns the deltas per layer; the model is unchanged afterwards.
     */
    public static Result insertAtPositions(EditableModel model, List<KeyValueInsertion.Sequence> sequences,
                                           EditContext ctx, List<Integer> layers, LayerSolver solver) {
        long t0 = System.nanoTime();
        int zLayer = layers.get(layers.size() - 1);
        List<int[]> tokens = new ArrayList<>();
        for (KeyValueInsertion.Sequence s : sequences) {
            if (s.tokens().length > model.architecture().maxContext()) {
                throw new InvalidRequestException("a sequence of " + s.tokens().length
                        + " tokens is longer than the model's context of " + model.architecture().maxContext());
            }
            tokens.add(s.tokens());
        }
        if (sequences.stream().allMatch(s -> s.positions().length == 0)) {
            throw new InvalidRequestException("no key positions to insert values at");
        }
        LayerLoop.KeySource source = layer -> {
            try (ForwardResult res = model.forward(ForwardRequest.builder(tokens).stopAfter(Math.max(layer, zLayer))
                    .capture(layer, Site.MLP_KEY).capture(zLayer, Site.LAYER_OUTPUT).build())) {
                return positionKeys(sequences, TokenVectors.of(res.capture(layer, Site.MLP_KEY)),
                        TokenVectors.of(res.capture(zLayer, Site.LAYER_OUTPUT)));
            }
        };
        LayerLoop.Outcome o = LayerLoop.run(model, layers, 1, ctx, solver, source, null);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", layers);
        meta.put("edited_keys", sequences.stream().mapToInt(s -> s.positions().length).sum());
        meta.put("preserved_keys", o.preserved());
        meta.put("mean_residual_norm_per_layer", o.residualNorms());
        meta.put("seconds_insertion", (System.nanoTime() - t0) / 1e9);
        meta.put("seconds_solve", o.solveSeconds());
        return new Result(o.deltas(), List.of(), o.keys(), o.remembered(), meta);
    }

    /**
     * Returns the keys at the sequences' positions with the residuals of their values against the current outputs
     * {@code outputs}, and the keys at the other positions of sequences that preserve them.
     */
    private static LayerLoop.LayerKeys positionKeys(List<KeyValueInsertion.Sequence> sequences, TokenVectors keys,
                                                    TokenVectors outputs) {
        List<double[]> k = new ArrayList<>();
        List<double[]> r = new ArrayList<>();
        List<double[]> kept = new ArrayList<>();
        for (int b = 0; b < sequences.size(); b++) {
            KeyValueInsertion.Sequence s = sequences.get(b);
            boolean[] edited = new boolean[s.tokens().length];
            for (int j = 0; j < s.positions().length; j++) {
                int pos = s.positions()[j];
                edited[pos] = true;
                k.add(keys.vector(b, pos));
                r.add(minus(s.values()[j], outputs.vector(b, pos)));
            }
            for (int pos = 0; s.preserveOthers() && pos < s.tokens().length; pos++) {
                if (!edited[pos]) {
                    kept.add(keys.vector(b, pos));
                }
            }
        }
        double[][] preserved = kept.toArray(new double[0][]);
        return new LayerLoop.LayerKeys(k.toArray(new double[0][]), r.toArray(new double[0][]), preserved, preserved);
    }
}
