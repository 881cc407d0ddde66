package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the vector δ that, added to the hidden state at one site of one layer (at a given token of
 * every prompt), makes the model emit the targets: Adam on NLL + KL(current ‖ initial) on
 * "{subject} is a"-style prompts + a weight decay, with δ clamped to a multiple of the initial
 * value's norm and an early stop. The layers below the intervention are run once and reused at
 * every step (they do not depend on δ).
 */
public final class DeltaOptimizer {

    /**
     * Optimisation settings (EasyEdit names in brackets).
     *
     * @param steps           Adam steps [v_num_grad_steps]
     * @param lr              Adam learning rate [v_lr]
     * @param weightDecay     weight on ‖δ‖ / ‖v₀‖² [v_weight_decay]
     * @param clampNormFactor ‖δ‖ is kept at most this times ‖v₀‖ [clamp_norm_factor]
     * @param klFactor        weight of the KL term [kl_factor]
     * @param earlyStopLoss   stop once the total loss is below this (ROME: 5e-2)
     * @param lossLayer       the block after which the target NLL is read [v_loss_layer]: the residual stream
     *                        leaving it goes through the model's final norm and head, as MEMIT's
     *                        {@code compute_z} does (the layer used is the larger of this and the edited layer);
     *                        -1 reads the model's own logits (ROME's {@code compute_v}, and the same as the last
     *                        layer). The KL term always reads the model's logits.
     */
    public record Settings(int steps, double lr, double weightDecay, double clampNormFactor, double klFactor,
                           double earlyStopLoss, int lossLayer) {
        /** Checks the values. */
        public Settings {
            if (steps < 1 || lr <= 0 || weightDecay < 0 || clampNormFactor <= 0 || klFactor < 0 || lossLayer < -1) {
                throw new InvalidRequestException("delta optimisation settings out of range: " + this);
            }
        }

        /** Settings that read the target NLL from the model's logits. */
        public Settings(int steps, double lr, double weightDecay, double clampNormFactor, double klFactor,
                        double earlyStopLoss) {
            this(steps, lr, weightDecay, clampNormFactor, klFactor, earlyStopLoss, -1);
        }
    }

    /**
     * A prompt to optimise on.
     *
     * @param tokens        the ids (BOS included where used), including all but the last target token
     * @param deltaPosition where δ is added
     * @param targetStart   index of the first target token in {@code tokens} (targets are predicted from
     *                      the logits one position earlier); -1 for a KL row
     * @param targetIds     the target ids (empty for a KL row)
     * @param klPosition    for a KL row, the token whose next-token distribution is kept close to the initial one;
     *                      -1 for a rewriting row
     */
    public record Row(int[] tokens, int deltaPosition, int targetStart, int[] targetIds, int klPosition) {
        /** A row whose KL term, if it is a KL row, reads the distribution after its last token. */
        public Row(int[] tokens, int deltaPosition, int targetStart, int[] targetIds) {
            this(tokens, deltaPosition, targetStart, targetIds, targetStart < 0 ? tokens.length - 1 : -1);
        }

        /** Returns a KL row: the distribution after its last token is kept close to the initial one. */
        public static Row kl(int[] tokens, int deltaPosition) {
            return kl(tokens, deltaPosition, tokens.length - 1);
        }

        /** Returns a KL row whose distribution after token {@code readPosition} is kept close to the initial one. */
        public static Row kl(int[] tokens, int deltaPosition, int readPosition) {
            if (readPosition < 0 || readPosition >= tokens.length) {
                throw new IllegalArgumentException("KL position " + readPosition + " outside a row of " + tokens.length
                        + " tokens");
            }
            return new Row(tokens, deltaPosition, -1, new int[0], readPosition);
        }

        /** Returns a rewriting row for {@code prompt} ids followed by {@code target} ids. */
        public static Row rewrite(int[] prompt, int deltaPosition, int[] target) {
            int[] t = new int[prompt.length + target.length - 1];
            System.arraycopy(prompt, 0, t, 0, prompt.length);
            System.arraycopy(target, 0, t, prompt.length, target.length - 1);
            return new Row(t, deltaPosition, prompt.length, target.clone(), -1);
        }

        /** Returns true for a KL row. */
        public boolean isKl() {
            return targetStart < 0;
        }
    }

    /**
     * A vector held fixed during the optimisation (AnyEdit's earlier chunks).
     *
     * @param vector    size d
     * @param positions per row, the token where it is added, or -1
     */
    public record Fixed(double[] vector, int[] positions) {
    }

    /**
     * What to optimise.
     *
     * @param layer        block whose site receives δ
     * @param site         {@link Site#MLP_OUTPUT} (ROME) or {@link Site#LAYER_OUTPUT} (MEMIT)
     * @param rows         rewriting rows first or mixed with KL rows
     * @param referenceRow the row whose site value at its δ position is v₀ (the value δ is added to)
     * @param fixed        vectors held fixed
     */
    public record Problem(int layer, Site site, List<Row> rows, int referenceRow, List<Fixed> fixed,
                          double[][] spread) {
        /** Copies the lists and checks the spread's shape. */
        public Problem {
            rows = List.copyOf(rows);
            fixed = List.copyOf(fixed);
            if (spread != null) {
                if (spread.length != rows.size()) {
                    throw new IllegalArgumentException("spread has " + spread.length + " rows for " + rows.size()
                            + " problem rows");
                }
                spread = spread.clone();
                for (int i = 0; i < spread.length; i++) {
                    if (spread[i].length != rows.get(i).tokens().length) {
                        throw new IllegalArgumentException("spread row " + i + " has " + spread[i].length
                                + " coefficients for " + rows.get(i).tokens().length + " tokens");
                    }
                    spread[i] = spread[i].clone();
                }
            }
        }

        /** A problem where δ is added at each row's δ position only. */
        public Problem(int layer, Site site, List<Row> rows, int referenceRow, List<Fixed> fixed) {
            this(layer, site, rows, referenceRow, fixed, null);
        }

        /**
         * Returns this problem with δ added at every token {@code t} of row {@code i} scaled by
         * {@code spread[i][t]} instead of at the δ position only: the effect a rank-one update
         * {@code ΔW = δ uᵀ / (uᵀk*)} of the site's weight has on these prompts, with
         * {@code spread[i][t] = uᵀk_t / uᵀk*} (see {@link RankOneSpread}). δ is then the residual that update inserts.
         */
        public Problem withSpread(double[][] spread) {
            return new Problem(layer, site, rows, referenceRow, fixed, spread);
        }
    }

    /**
     * The result.
     *
     * @param delta       δ
     * @param initial     v₀: the site's value at the reference row's δ position before the edit
     * @param losses      total loss per step
     * @param finalNll    the target NLL at the last step
     * @param steps       steps taken
     * @param seconds     wall time
     * @param reusedLower true when the layers below were run once
     * @param stoppedOnNonFinite true when a step produced a non-finite loss or gradient: δ is then the last
     *                    value whose loss was finite
     */
    public record Outcome(double[] delta, double[] initial, List<Double> losses, double finalNll, int steps,
                          double seconds, boolean reusedLower, boolean stoppedOnNonFinite) {
        /** Returns v₀ + δ. */
        public double[] target() {
            double[] t = new double[delta.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = initial[i] + delta[i];
            }
            return t;
        }
    }

    private DeltaOptimizer() {
    }

    /** Runs the optimisation of {@code problem} on {@code model} (reusing the lower layers). */
    public static Outcome optimise(EditableModel model, Problem problem, Settings settings) {
        return optimise(model, problem, settings, true);
    }

    /** Runs the optimisation; {@code reuseLowerLayers} false reruns the whole model at every step (for benchmarks). */
    public static Outcome optimise(EditableModel model, Problem problem, Settings settings, boolean reuseLowerLayers) {
        long start = System.nanoTime();
        int d = model.architecture().hiddenSize();
        List<Row> rows = problem.rows();
        List<int[]> tokens = new ArrayList<>();
        for (Row r : rows) {
            tokens.add(r.tokens());
        }
        int b = rows.size();
        int t = 0;
        for (int[] s : tokens) {
            t = Math.max(t, s.length);
        }
        int v = model.architecture().vocabSize();
        int lossLayer = lossLayer(model, problem, settings);
        try (NDManager nd = model.manager().newSubManager()) {
            // gather weights for the NLL over target positions, and a selection matrix for KL rows
            long[] gatherIds = new long[b * t];
            float[] nllWeight = new float[b * t];
            int rewriteRows = 0;
            List<Integer> klRows = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                if (rows.get(i).isKl()) {
                    klRows.add(i);
                } else {
                    rewriteRows++;
                }
            }
            if (rewriteRows == 0) {
                throw new IllegalArgumentException("a delta problem needs at least one rewriting row");
            }
            for (int i = 0; i < b; i++) {
                Row r = rows.get(i);
                for (int j = 0; j < r.targetIds().length; j++) {
                    int pos = r.targetStart() + j - 1;
                    gatherIds[i * t + pos] = r.targetIds()[j];
                    nllWeight[i * t + pos] = 1f / r.targetIds().length / rewriteRows;
                }
            }
            NDArray gather = nd.create(gatherIds, new Shape((long) b * t, 1));
            NDArray weight = nd.create(nllWeight, new Shape((long) b * t, 1));
            NDArray klSelect = null;
            if (!klRows.isEmpty()) {
                float[] sel = new float[klRows.size() * b * t];
                for (int k = 0; k < klRows.size(); k++) {
                    int row = klRows.get(k);
                    sel[k * b * t + row * t + rows.get(row).klPosition()] = 1f;
                }
                klSelect = nd.create(sel, new Shape(klRows.size(), (long) b * t));
            }

            // the residual stream entering the edited layer does not depend on δ: run it once
            NDArray lower = null;
            if (reuseLowerLayers && problem.layer() > 0) {
                try (ForwardResult below = model.forward(ForwardRequest.builder(tokens).stopAfter(problem.layer() - 1)
                        .capture(problem.layer(), Site.LAYER_INPUT).build())) {
                    lower = below.capture(problem.layer(), Site.LAYER_INPUT);
                    lower.attach(nd);
                }
            }

            NDArray spreadArray = null;
            if (problem.spread() != null) {
                float[] c = new float[b * t];
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < problem.spread()[i].length; j++) {
                        c[i * t + j] = (float) problem.spread()[i][j];
                    }
                }
                spreadArray = nd.create(c, new Shape(b, t, 1));
            }

            double[] delta = new double[d];
            double[] lastFinite = delta.clone();
            boolean nonFinite = false;
            double[] initial = null;
            NDArray klInit = null;
            double[] m1 = new double[d];
            double[] m2 = new double[d];
            List<Double> losses = new ArrayList<>();
            double nllValue = Double.NaN;
            int updates = 0;
            int step = 0;
            for (; step < settings.steps(); step++) {
                NDArray deltaArray = nd.create(Vectors.toFloats(delta));
                deltaArray.setRequiresGradient(true);
                ForwardRequest.Builder req = ForwardRequest.builder(tokens).gradients(true)
                        .capture(problem.layer(), problem.site());
                if (lossLayer >= 0) {
                    req.capture(lossLayer, Site.LAYER_OUTPUT);
                }
                if (lower != null) {
                    req.resume(problem.layer(), lower);
                }
                if (spreadArray == null) {
                    for (int i = 0; i < b; i++) {
                        req.intervene(new Intervention(problem.layer(), problem.site(), i,
                                rows.get(i).deltaPosition(), deltaArray));
                    }
                }
                for (Fixed f : problem.fixed()) {
                    NDArray fv = nd.create(Vectors.toFloats(f.vector()));
                    for (int i = 0; i < b; i++) {
                        if (f.positions()[i] >= 0) {
                            req.intervene(new Intervention(problem.layer(), problem.site(), i, f.positions()[i], fv));
                        }
                    }
                }
                double total;
                float[] grad;
                try (GradientCollector gc = nd.getEngine().newGradientCollector();
                     ForwardResult res = model.forward(spreadArray == null ? req.build()
                             // δ at every token, scaled as the rank-one update will add it: [B, T, 1] * [d]; the
                             // product is taken inside the collector so that it is recorded for the gradient
                             : req.add(new SiteAddition(problem.layer(), problem.site(), spreadArray.mul(deltaArray)))
                                     .build())) {
                    if (initial == null) {
                        NDArray site = res.capture(problem.layer(), problem.site());
                        Row ref = rows.get(problem.referenceRow());
                        initial = Vectors.toDoubles(site.get(problem.referenceRow()).get(ref.deltaPosition()).toFloatArray());
                        // v₀ includes δ = 0 and the fixed vectors at that position, which is the value before this δ
                    }
                    NDArray logp = res.logits().logSoftmax(-1).reshape((long) b * t, v);   // [B*T, V]
                    NDArray targetLogp = lossLayer < 0 ? logp                                // [B*T, V]
                            : model.logits(res.capture(lossLayer, Site.LAYER_OUTPUT)).logSoftmax(-1)
                                    .reshape((long) b * t, v);
                    NDArray nll = targetLogp.gather(gather, 1).mul(weight).sum().neg();
                    NDArray loss = nll;
                    if (klSelect != null) {
                        NDArray klLogp = klSelect.matMul(logp);                            // [K, V]
                        if (klInit == null) {
                            klInit = klLogp.stopGradient();
                            klInit.attach(nd);
                        }
                        // constants through Scalars: DJL's mul(Number) breaks the backward pass (see Scalars)
                        NDArray kl = Scalars.div(klLogp.exp().mul(klLogp.sub(klInit)).sum(), klRows.size());
                        loss = loss.add(Scalars.mul(kl, settings.klFactor()));
                    }
                    double initNorm2 = Vectors.dot(initial, initial);
                    NDArray decay = Scalars.mul(deltaArray.norm(), settings.weightDecay() / Math.max(initNorm2, 1e-12));
                    loss = loss.add(decay);
                    total = loss.getFloat();
                    if (!Double.isFinite(total)) {
                        nonFinite = true;
                        break;
                    }
                    nllValue = nll.getFloat();
                    losses.add(total);
                    if (total < settings.earlyStopLoss()) {
                        break;
                    }
                    gc.backward(loss);
                    grad = deltaArray.getGradient().toFloatArray();
                }
                lastFinite = delta.clone();
                if (!allFinite(grad)) {
                    nonFinite = true;
                    break;
                }
                if (step == settings.steps() - 1) {
                    break; // as in ROME, the last iteration only measures
                }
                adam(delta, grad, m1, m2, step + 1, settings.lr());
                updates++;
                double maxNorm = settings.clampNormFactor() * Math.sqrt(Vectors.dot(initial, initial));
                double norm = Math.sqrt(Vectors.dot(delta, delta));
                if (norm > maxNorm) {
                    for (int i = 0; i < d; i++) {
                        delta[i] *= maxNorm / norm;
                    }
                }
            }
            if (nonFinite && updates == 0) {
                throw new InvalidRequestException("the value optimisation found no finite step: "
                        + (losses.isEmpty() ? "the loss" : "the gradient") + " is not finite at δ = 0 (the model's "
                        + "outputs overflow for this prompt); check the model's weights and the request");
            }
            if (nonFinite) {
                delta = lastFinite; // the last δ whose loss was measured finite
            }
            return new Outcome(delta, initial, losses, nllValue, Math.min(step + 1, settings.steps()),
                    (System.nanoTime() - start) / 1e9, lower != null, nonFinite);
        }
    }

    /**
     * Returns the block whose output the target NLL reads through the final norm and head, or -1 for the model's
     * logits (no loss layer, or the last block, where both are the same).
     */
    private static int lossLayer(EditableModel model, Problem problem, Settings settings) {
        int last = model.architecture().layers() - 1;
        if (settings.lossLayer() > last) {
            throw new InvalidRequestException("v_loss_layer " + settings.lossLayer() + " does not exist: the model has "
                    + "layers 0.." + last + " (-1 reads the model's logits)");
        }
        int layer = settings.lossLayer() < 0 ? last : Math.max(settings.lossLayer(), problem.layer());
        return layer == last ? -1 : layer;
    }

    private static boolean allFinite(float[] g) {
        for (float x : g) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static void adam(double[] x, float[] g, double[] m, double[] s, int step, double lr) {
        double b1 = 0.9;
        double b2 = 0.999;
        double c1 = 1 - Math.pow(b1, step);
        double c2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < x.length; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
            x[i] -= lr * (m[i] / c1) / (Math.sqrt(s[i] / c2) + 1e-8);
        }
    }
}
