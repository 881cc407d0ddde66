package dev.amend.kit;

import ai.djl.ndarray.NDManager;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the vector δ that, added to the hidden state at one site of one layer (at a given token of
 * every prompt), makes the model emit the targets, in the steps of ROME's {@code compute_v} and MEMIT's
 * {@code compute_z}: build the loss (NLL of the targets + KL(current ‖ initial) on "{subject} is a"-style
 * prompts + a weight decay; {@code ValueLoss}), take an Adam step, clamp ‖δ‖ to a multiple of the initial
 * value's norm; stop early below a loss, and let the last iteration only measure. The layers below the
 * intervention are run once and reused at every step (they do not depend on δ).
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
        return optimise(model, problem, settings, true, null, () -> { });
    }

    /**
     * Runs the optimisation of {@code problem} on {@code model} (reusing the lower layers), calling {@code beforeStep}
     * before every step: an edit passes its context's {@code checkCancelled}, so a cancelled edit stops within a step.
     */
    public static Outcome optimise(EditableModel model, Problem problem, Settings settings, Runnable beforeStep) {
        return optimise(model, problem, settings, true, null, beforeStep);
    }

    /** Runs the optimisation; {@code reuseLowerLayers} false reruns the whole model at every step (for benchmarks). */
    public static Outcome optimise(EditableModel model, Problem problem, Settings settings, boolean reuseLowerLayers) {
        return optimise(model, problem, settings, reuseLowerLayers, null, () -> { });
    }

    /**
     * Runs the optimisation starting from δ = {@code startValue} − v₀ instead of δ = 0, so the site's value starts at
     * {@code startValue} (GRACE's "cold" values); the clamp still bounds ‖δ‖; {@code beforeStep} runs before every step.
     */
    public static Outcome optimiseFrom(EditableModel model, Problem problem, Settings settings, double[] startValue,
                                       Runnable beforeStep) {
        return optimise(model, problem, settings, true, startValue, beforeStep);
    }

    private static Outcome optimise(EditableModel model, Problem problem, Settings settings, boolean reuseLowerLayers,
                                    double[] startValue, Runnable beforeStep) {
        long start = System.nanoTime();
        int lossLayer = ValueLoss.lossLayer(model, problem, settings);
        try (NDManager nd = model.manager().newSubManager()) {
            ValueLoss loss = new ValueLoss(model, problem, settings, lossLayer, reuseLowerLayers, nd);
            Adam adam = new Adam(model.architecture().hiddenSize(), settings.lr());
            double[] delta = new double[model.architecture().hiddenSize()];
            if (startValue != null) {
                if (startValue.length != delta.length) {
                    throw new IllegalArgumentException("a start value of " + startValue.length + " values for a"
                            + " hidden size of " + delta.length);
                }
                loss.evaluate(delta, false);                       // reads v₀
                for (int i = 0; i < delta.length; i++) {
                    delta[i] = startValue[i] - loss.initial()[i];
                }
            }
            double[] lastFinite = delta.clone();
            List<Double> losses = new ArrayList<>();
            double nll = Double.NaN;
            boolean nonFinite = false;
            int step = 0;
            for (; step < settings.steps(); step++) {
                beforeStep.run();
                boolean last = step == settings.steps() - 1;       // as in ROME, the last iteration only measures
                ValueLoss.Evaluation e = loss.evaluate(delta, !last);
                if (!Double.isFinite(e.total())) {
                    nonFinite = true;
                    break;
                }
                losses.add(e.total());
                nll = e.nll();
                lastFinite = delta.clone();
                if (last || e.total() < settings.earlyStopLoss()) {
                    break;
                }
                if (!allFinite(e.gradient())) {
                    nonFinite = true;
                    break;
                }
                adam.step(delta, e.gradient());
                clamp(delta, settings.clampNormFactor() * Vectors.norm(loss.initial()));
            }
            if (nonFinite && adam.steps() == 0) {
                throw new InvalidRequestException("the value optimisation found no finite step: "
                        + (losses.isEmpty() ? "the loss" : "the gradient") + " is not finite at δ = 0 (the model's "
                        + "outputs overflow for this prompt); check the model's weights and the request");
            }
            return new Outcome(nonFinite ? lastFinite : delta, loss.initial(), losses, nll,
                    Math.min(step + 1, settings.steps()), (System.nanoTime() - start) / 1e9, loss.reusedLower(),
                    nonFinite);
        }
    }

    /** Scales {@code delta} in place onto the ball of radius {@code maxNorm} when it lies outside. */
    private static void clamp(double[] delta, double maxNorm) {
        double norm = Vectors.norm(delta);
        if (norm > maxNorm) {
            for (int i = 0; i < delta.length; i++) {
                delta[i] *= maxNorm / norm;
            }
        }
    }

    private static boolean allFinite(float[] g) {
        for (float x : g) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
