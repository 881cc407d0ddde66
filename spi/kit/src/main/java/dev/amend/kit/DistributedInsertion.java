package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.KeyValueInsertion;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
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
     */
    public record Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                           List<List<Integer>> templateParams, boolean preservePromptTokens, int passes,
                           TemplateGroups templates, boolean klAtLastToken) {
        /** Settings of MEMIT as published: no preserved prompt tokens, one pass. */
        public Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                        List<List<Integer>> templateParams) {
            this(layers, locator, delta, templateParams, false, 1);
        }

        /** Settings with generated templates and the KL term read as the reference reads it. */
        public Settings(List<Integer> layers, Locator locator, DeltaOptimizer.Settings delta,
                        List<List<Integer>> templateParams, boolean preservePromptTokens, int passes) {
            this(layers, locator, delta, templateParams, preservePromptTokens, passes, null, false);
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
                    h.contextTemplates().isEmpty() ? null : new TemplateGroups(h.contextTemplates()), h.klAtLastToken());
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
     * @param keys       per layer the keys K [d_ff, n] the update was solved at
     * @param promptKeys per layer the keys [d_ff, m] at the other tokens of each request's bare prompt followed by
     *                   its target (the located token left out), from the last pass; empty unless
     *                   {@link Settings#preservePromptTokens()}: a sequential editor (AlphaEdit) keeps them with the
     *                   edited keys so that later edits leave these tokens as they were too
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

    /** Runs the insertion of {@code requests} with {@code solver}; the model is unchanged afterwards. */
    public static Result run(EditableModel model, List<EditRequest> requests, EditContext ctx, Settings s,
                             LayerSolver solver) {
        long t0 = System.nanoTime();
        int n = requests.size();
        int d = model.architecture().hiddenSize();
        int dff = model.architecture().intermediateSize();
        int zLayer = s.layers().get(s.layers().size() - 1);
        TemplateGroups groups = s.templates(model, ctx.seed());
        List<String> templates = groups.flat();
        // targets on the residual stream after the last edit layer
        double[][] z = new double[n][];
        List<Object> losses = new ArrayList<>();
        int nonFinite = 0;
        for (int i = 0; i < n; i++) {
            ctx.checkCancelled();
            ctx.progress().progress("targets", i, n);
            DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model, ValueTargets.problem(model, requests.get(i),
                    templates, s.locator(), zLayer, Site.LAYER_OUTPUT, s.klAtLastToken()), s.delta());
            z[i] = o.target();
            nonFinite += o.stoppedOnNonFinite() ? 1 : 0;
            losses.add(Map.of("subject", requests.get(i).subject(), "first", o.losses().get(0),
                    "last", o.losses().get(o.losses().size() - 1), "steps", o.steps(),
                    "stopped_on_non_finite", o.stoppedOnNonFinite()));
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
        double residualAfter = Double.NaN;
        int preservedKeys = 0;
        Map<Integer, WeightDelta> deltaByLayer = new LinkedHashMap<>();
        List<DeltaOptimizer.Row> preservedRows = s.preservePromptTokens()
                ? rewritingRows(model, requests, templates, s.locator()) : List.of();
        // where each request's bare-prompt row (template 0) lies among otherPromptKeys' keys: its prompt keys
        List<Integer> bareKeys = new ArrayList<>();
        for (int j = 0, offset = 0; j < preservedRows.size(); j++) {
            DeltaOptimizer.Row row = preservedRows.get(j);
            int count = row.tokens().length - (row.deltaPosition() >= 0 && row.deltaPosition() < row.tokens().length
                    ? 1 : 0);
            if (j % templates.size() == 0) {
                for (int c = 0; c < count; c++) {
                    bareKeys.add(offset + c);
                }
            }
            offset += count;
        }
        Map<Integer, double[]> promptKeysByLayer = new LinkedHashMap<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, weights)) {
            try {
                for (int step = 0; step < s.passes() * s.layers().size(); step++) {
                    ctx.checkCancelled();
                    int i = step % s.layers().size();
                    int layer = s.layers().get(i);
                    EditPoint point = model.architecture().editPoint(layer);
                    // keys of this layer over all templates (averaged per group, then over the groups), and in the
                    // same passes the current output of the last edit layer, read at the bare prompt
                    KeyCollector.Collected keys = KeyCollector.collect(model, layer, requests, groups, s.locator(),
                            zLayer, Site.LAYER_OUTPUT);
                    double[][] current = bareOutputs(model, requests, templates, keys, s.locator(), zLayer);
                    double[] k = new double[dff * n];
                    double[] r = new double[d * n];
                    int left = s.layers().size() - i;
                    double norm = 0;
                    for (int j = 0; j < n; j++) {
                        double[] kj = keys.meanKey(j);
                        double[] cur = current[j];
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
                    int cols = n;
                    if (s.preservePromptTokens()) {
                        double[][] kept = otherPromptKeys(model, preservedRows, layer);
                        cols = n + kept.length;
                        preservedKeys = kept.length;
                        double[][] bare = new double[bareKeys.size()][];
                        for (int j = 0; j < bare.length; j++) {
                            bare[j] = kept[bareKeys.get(j)];
                        }
                        promptKeysByLayer.put(layer, columns(bare, dff));   // the last pass's stay
                        double[] kk = new double[dff * cols];
                        double[] rr = new double[d * cols];   // zero residual at the preserved keys
                        for (int a = 0; a < dff; a++) {
                            System.arraycopy(k, a * n, kk, a * cols, n);
                            for (int j = 0; j < kept.length; j++) {
                                kk[a * cols + n + j] = kept[j][a];
                            }
                        }
                        for (int a = 0; a < d; a++) {
                            System.arraycopy(r, a * n, rr, a * cols, n);
                        }
                        k = kk;
                        r = rr;
                    }
                    LeastSquares.Update update = solver.solve(layer, k, r, cols);
                    WeightDelta delta = update.toWeightDelta(point.weight());
                    model.addToWeight(delta);
                    deltaByLayer.merge(layer, delta, WeightDelta::plus);   // a later pass adds to the layer's delta
                    keysByLayer.put(layer, cols == n ? k : firstColumns(k, dff, cols, n)); // the edited keys
                    ctx.progress().progress("insertion", step + 1, s.passes() * s.layers().size());
                }
                deltas.addAll(deltaByLayer.values());
                // what is left of the residual at the bare prompts once every layer is updated
                KeyCollector.Collected after = KeyCollector.collect(model, zLayer, requests, List.of("{}"),
                        s.locator(), zLayer, Site.LAYER_OUTPUT);
                double left = 0;
                for (int j = 0; j < n; j++) {
                    double[] cur = after.values()[j][0];
                    for (int a = 0; a < d; a++) {
                        left += (z[j][a] - cur[a]) * (z[j][a] - cur[a]);
                    }
                }
                residualAfter = Math.sqrt(left / n);
            } finally {
                snapshot.restore();
            }
        }
        long t2 = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", s.layers());
        meta.put("preserve_prompt_tokens", s.preservePromptTokens());
        meta.put("preserved_keys", preservedKeys);
        meta.put("insertion_passes", s.passes());
        meta.put("mean_residual_norm_after_insertion", residualAfter);
        meta.put("optimisation", losses);
        meta.put("non_finite_steps", nonFinite);
        meta.put("context_template_groups", Arrays.stream(groups.sizes()).boxed().toList());
        meta.put("mean_residual_norm_per_layer", residualNorms);
        meta.put("seconds_optimisation", (t1 - t0) / 1e9);
        meta.put("seconds_insertion", (t2 - t1) / 1e9);
        return new Result(deltas, templates, keysByLayer, promptKeysByLayer, meta);
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

    /** Returns the vectors {@code v} (each of length {@code rows}) as the columns of a row-major [rows, v.length]. */
    private static double[] columns(double[][] v, int rows) {
        double[] out = new double[rows * v.length];
        for (int a = 0; a < rows; a++) {
            for (int j = 0; j < v.length; j++) {
                out[a * v.length + j] = v[j][a];
            }
        }
        return out;
    }

    private static double[] firstColumns(double[] m, int rows, int cols, int keep) {
        double[] out = new double[rows * keep];
        for (int a = 0; a < rows; a++) {
            System.arraycopy(m, a * cols, out, a * keep, keep);
        }
        return out;
    }

    /**
     * Returns the rewriting rows of the target optimisation (each request's prompt in every context template,
     * followed by its target; see {@link ValueTargets}), whose tokens other than the located one are preserved.
     */
    static List<DeltaOptimizer.Row> rewritingRows(EditableModel model, List<EditRequest> requests,
                                                  List<String> templates, Locator locator) {
        List<DeltaOptimizer.Row> rows = new ArrayList<>();
        for (EditRequest r : requests) {
            for (DeltaOptimizer.Row row : ValueTargets.problem(model, r, templates, locator, 0, Site.LAYER_OUTPUT)
                    .rows()) {
                if (!row.isKl()) {
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /**
     * Returns the MLP keys of {@code layer} at every token of {@code rows} except each row's located (δ) token:
     * the tokens whose outputs the target optimisation assumed unchanged.
     */
    static double[][] otherPromptKeys(EditableModel model, List<DeltaOptimizer.Row> rows, int layer) {
        List<int[]> tokens = new ArrayList<>();
        List<Integer> located = new ArrayList<>();
        for (DeltaOptimizer.Row row : rows) {
            tokens.add(row.tokens());
            located.add(row.deltaPosition());
        }
        List<double[]> out = new ArrayList<>();
        int batch = 64;
        for (int from = 0; from < tokens.size(); from += batch) {
            List<int[]> part = tokens.subList(from, Math.min(tokens.size(), from + batch));
            try (ForwardResult res = model.forward(ForwardRequest.builder(part).stopAfter(layer)
                    .capture(layer, Site.MLP_KEY).build())) {
                NDArray keys = res.capture(layer, Site.MLP_KEY);                     // [B, T, d_ff]
                int t = (int) keys.getShape().get(1);
                int dff = (int) keys.getShape().get(2);
                float[] all = keys.toFloatArray();
                for (int b = 0; b < part.size(); b++) {
                    for (int p = 0; p < part.get(b).length; p++) {
                        if (p == located.get(from + b)) {
                            continue;
                        }
                        double[] v = new double[dff];
                        for (int a = 0; a < dff; a++) {
                            v[a] = all[(b * t + p) * dff + a];
                        }
                        out.add(v);
                    }
                }
            }
        }
        return out.toArray(new double[0][]);
    }

    /**
     * Runs the layer loop for values already optimised at chosen token positions (AnyEdit's chunk keys):
     * for each layer, with the earlier layers updated, the residual between each target value and the
     * current output of the last edit layer is split over the layers left and inserted at the keys of
     * those positions; the keys of the other positions of a sequence marked {@code preserveOthers} join
     * the solve as extra columns with a zero residual (so {@code R Kᵀ} is unchanged and they only enter
     * the key Gram matrix, as in AnyEdit's {@code λC + K_p K_pᵀ + K Kᵀ}). Returns the deltas per layer;
     * the model is unchanged afterwards.
     */
    public static Result insertAtPositions(EditableModel model, List<KeyValueInsertion.Sequence> sequences,
                                           EditContext ctx, List<Integer> layers, LayerSolver solver) {
        long t0 = System.nanoTime();
        int d = model.architecture().hiddenSize();
        int dff = model.architecture().intermediateSize();
        int zLayer = layers.get(layers.size() - 1);
        List<int[]> tokens = new ArrayList<>();
        int edited = 0;
        int preserved = 0;
        for (KeyValueInsertion.Sequence s : sequences) {
            if (s.tokens().length > model.architecture().maxContext()) {
                throw new InvalidRequestException("a sequence of " + s.tokens().length
                        + " tokens is longer than the model's context of " + model.architecture().maxContext());
            }
            tokens.add(s.tokens());
            edited += s.positions().length;
            preserved += s.preserveOthers() ? s.tokens().length - s.positions().length : 0;
        }
        int n = edited + preserved;
        if (edited == 0) {
            throw new InvalidRequestException("no key positions to insert values at");
        }
        List<String> weights = new ArrayList<>();
        for (int layer : layers) {
            weights.add(model.architecture().editPoint(layer).weight());
        }
        List<WeightDelta> deltas = new ArrayList<>();
        Map<Integer, double[]> keysByLayer = new LinkedHashMap<>();
        List<Double> residualNorms = new ArrayList<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, weights)) {
            try {
                for (int i = 0; i < layers.size(); i++) {
                    ctx.checkCancelled();
                    int layer = layers.get(i);
                    double[] k = new double[dff * n];
                    double[] r = new double[d * n];
                    int left = layers.size() - i;
                    double norm = 0;
                    try (ForwardResult res = model.forward(ForwardRequest.builder(tokens)
                            .stopAfter(Math.max(layer, zLayer)).capture(layer, Site.MLP_KEY)
                            .capture(zLayer, Site.LAYER_OUTPUT).build())) {
                        float[] keys = res.capture(layer, Site.MLP_KEY).toFloatArray();      // [B, T, d_ff]
                        float[] outs = res.capture(zLayer, Site.LAYER_OUTPUT).toFloatArray(); // [B, T, d]
                        int t = (int) res.capture(layer, Site.MLP_KEY).getShape().get(1);
                        int col = 0;
                        int pcol = edited;
                        for (int b = 0; b < sequences.size(); b++) {
                            KeyValueInsertion.Sequence s = sequences.get(b);
                            boolean[] isEdited = new boolean[s.tokens().length];
                            for (int j = 0; j < s.positions().length; j++) {
                                int pos = s.positions()[j];
                                isEdited[pos] = true;
                                int kb = (b * t + pos) * dff;
                                int ob = (b * t + pos) * d;
                                for (int a = 0; a < dff; a++) {
                                    k[a * n + col] = keys[kb + a];
                                }
                                for (int a = 0; a < d; a++) {
                                    double res1 = s.values()[j][a] - outs[ob + a];
                                    norm += res1 * res1;
                                    r[a * n + col] = res1 / left;
                                }
                                col++;
                            }
                            if (s.preserveOthers()) {
                                for (int pos = 0; pos < s.tokens().length; pos++) {
                                    if (isEdited[pos]) {
                                        continue;
                                    }
                                    int kb = (b * t + pos) * dff;
                                    for (int a = 0; a < dff; a++) {
                                        k[a * n + pcol] = keys[kb + a];
                                    }
                                    pcol++;
                                }
                            }
                        }
                    }
                    residualNorms.add(Math.sqrt(norm / edited));
                    LeastSquares.Update update = solver.solve(layer, k, r, n);
                    WeightDelta delta = update.toWeightDelta(model.architecture().editPoint(layer).weight());
                    model.addToWeight(delta);
                    deltas.add(delta);
                    keysByLayer.put(layer, k);
                    ctx.progress().progress("insertion", i + 1, layers.size());
                }
            } finally {
                snapshot.restore();
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", layers);
        meta.put("edited_keys", edited);
        meta.put("preserved_keys", preserved);
        meta.put("mean_residual_norm_per_layer", residualNorms);
        meta.put("seconds_insertion", (System.nanoTime() - t0) / 1e9);
        return new Result(deltas, List.of(), keysByLayer, meta);
    }
}
