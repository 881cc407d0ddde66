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
 * The objective of the value optimisation as ROME's {@code compute_v} and MEMIT's {@code compute_z} build it, for
 * one {@link DeltaOptimizer.Problem}, as a function of δ:
 * <pre>
 *   loss(δ) = NLL(targets | δ)  +  kl_factor · KL(p_δ ‖ p_0)  +  v_weight_decay · ‖δ‖ / ‖v₀‖²
 * </pre>
 * The NLL is each rewriting row's mean over its target tokens, averaged over the rows; the KL term compares each KL
 * row's next-token distribution at its KL position with the one before any step. Every constant is built once;
 * the residual stream entering the edited layer, which δ does not change, is computed once and reused.
 */
final class ValueLoss {
    /**
     * One evaluation.
     *
     * @param total    the loss
     * @param nll      its NLL part
     * @param gradient d loss / d δ, or null when it was not computed
     */
    record Evaluation(double total, double nll, float[] gradient) {
    }

    private final EditableModel model;
    private final DeltaOptimizer.Problem problem;
    private final DeltaOptimizer.Settings settings;
    private final NDManager nd;
    private final List<int[]> tokens = new ArrayList<>();
    private final int length;
    private final int lossLayer;
    private final NDArray targetIds;      // [B*T, 1]: the target id predicted at each position (0 elsewhere)
    private final NDArray targetWeights;  // [B*T, 1]: 1 / (target length · rewriting rows) there, 0 elsewhere
    private final NDArray klSelect;       // [K, B*T]: picks each KL row's KL position, or null without KL rows
    private final NDArray lower;          // [B, T, d] entering the edited layer, or null
    private final NDArray spread;         // [B, T, 1] coefficients of δ per token, or null
    private final List<NDArray> fixed = new ArrayList<>();
    private double[] initial;
    private NDArray klInitial;

    /**
     * Builds the objective's constants in {@code nd}; {@code lossLayer} is the block whose output the NLL reads
     * through the final norm and head, or -1 for the model's logits.
     */
    ValueLoss(EditableModel model, DeltaOptimizer.Problem problem, DeltaOptimizer.Settings settings, int lossLayer,
              boolean reuseLowerLayers, NDManager nd) {
        this.model = model;
        this.problem = problem;
        this.settings = settings;
        this.nd = nd;
        this.lossLayer = lossLayer;
        problem.rows().forEach(r -> tokens.add(r.tokens()));
        this.length = tokens.stream().mapToInt(t -> t.length).max().orElseThrow();
        long rewriting = problem.rows().stream().filter(r -> !r.isKl()).count();
        if (rewriting == 0) {
            throw new IllegalArgumentException("a delta problem needs at least one rewriting row");
        }
        int cells = problem.rows().size() * length;
        long[] ids = new long[cells];
        float[] weights = new float[cells];
        List<Integer> kl = new ArrayList<>();
        for (int i = 0; i < problem.rows().size(); i++) {
            DeltaOptimizer.Row r = problem.rows().get(i);
            if (r.isKl()) {
                kl.add(index(i, r.klPosition()));
            }
            for (int j = 0; j < r.targetIds().length; j++) {
                int at = index(i, r.targetStart() + j - 1);     // the logits one token earlier predict target j
                ids[at] = r.targetIds()[j];
                weights[at] = 1f / r.targetIds().length / rewriting;
            }
        }
        this.targetIds = nd.create(ids, new Shape(cells, 1));
        this.targetWeights = nd.create(weights, new Shape(cells, 1));
        this.klSelect = kl.isEmpty() ? null : nd.create(selection(kl, cells), new Shape(kl.size(), cells));
        this.lower = reuseLowerLayers && problem.layer() > 0 ? lowerLayers() : null;
        this.spread = problem.spread() == null ? null : spreadCoefficients();
        for (DeltaOptimizer.Fixed f : problem.fixed()) {
            fixed.add(nd.create(Vectors.toFloats(f.vector())));
        }
    }

    /** Returns v₀, the site's value at the reference row's δ position before any step (after the first evaluation). */
    double[] initial() {
        return initial;
    }

    /** Returns true when the layers below the edited one run once. */
    boolean reusedLower() {
        return lower != null;
    }

    /**
     * Returns the loss at {@code delta}, with its gradient when {@code gradient} is true and the loss is finite and
     * not below the early-stop loss (where the optimisation takes no further step).
     */
    Evaluation evaluate(double[] delta, boolean gradient) {
        NDArray d = nd.create(Vectors.toFloats(delta));
        d.setRequiresGradient(true);
        try (GradientCollector gc = nd.getEngine().newGradientCollector();
             ForwardResult res = model.forward(request(d))) {
            if (initial == null) {
                DeltaOptimizer.Row ref = problem.rows().get(problem.referenceRow());
                initial = Vectors.toDoubles(res.capture(problem.layer(), problem.site()).get(problem.referenceRow())
                        .get(ref.deltaPosition()).toFloatArray());   // δ = 0 and the fixed vectors: the value before δ
            }
            int cells = tokens.size() * length;
            NDArray logp = res.logits().logSoftmax(-1).reshape(cells, -1);                       // [B*T, V]
            NDArray targetLogp = lossLayer < 0 ? logp
                    : model.logits(res.capture(lossLayer, Site.LAYER_OUTPUT)).logSoftmax(-1).reshape(cells, -1);
            NDArray nll = targetLogp.gather(targetIds, 1).mul(targetWeights).sum().neg();
            NDArray loss = klSelect == null ? nll : nll.add(kl(logp));
            loss = loss.add(decay(d));
            double total = loss.getFloat();
            if (!gradient || !Double.isFinite(total) || total < settings.earlyStopLoss()) {
                return new Evaluation(total, nll.getFloat(), null);
            }
            gc.backward(loss);
            return new Evaluation(total, nll.getFloat(), d.getGradient().toFloatArray());
        }
    }

    /** Returns the pass: δ at each row's δ position (or spread over every token), the fixed vectors, the captures. */
    private ForwardRequest request(NDArray delta) {
        ForwardRequest.Builder req = ForwardRequest.builder(tokens).gradients(true)
                .capture(problem.layer(), problem.site());
        if (lossLayer >= 0) {
            req.capture(lossLayer, Site.LAYER_OUTPUT);
        }
        if (lower != null) {
            req.resume(problem.layer(), lower);
        }
        for (int i = 0; i < tokens.size(); i++) {
            if (spread == null) {
                req.intervene(new Intervention(problem.layer(), problem.site(), i,
                        problem.rows().get(i).deltaPosition(), delta));
            }
            for (int f = 0; f < fixed.size(); f++) {
                int at = problem.fixed().get(f).positions()[i];
                if (at >= 0) {
                    req.intervene(new Intervention(problem.layer(), problem.site(), i, at, fixed.get(f)));
                }
            }
        }
        if (spread != null) {
            // [B, T, 1] * [d]: the product is taken here, inside the gradient collector, so that it is recorded
            req.add(new SiteAddition(problem.layer(), problem.site(), spread.mul(delta)));
        }
        return req.build();
    }

    /**
     * Returns kl_factor times the mean over KL rows of KL(now ‖ before the first step) of the model's next-token
     * distributions, from the log-probabilities {@code all} [B*T, V].
     */
    private NDArray kl(NDArray all) {
        NDArray logp = klSelect.matMul(all);                                                     // [K, V]
        if (klInitial == null) {
            klInitial = logp.stopGradient();
            klInitial.attach(nd);
        }
        // constants through Scalars: DJL's mul(Number) breaks the backward pass (see Scalars)
        NDArray kl = Scalars.div(logp.exp().mul(logp.sub(klInitial)).sum(), klSelect.getShape().get(0));
        return Scalars.mul(kl, settings.klFactor());
    }

    /** Returns v_weight_decay · ‖δ‖ / ‖v₀‖². */
    private NDArray decay(NDArray delta) {
        double initNorm2 = Vectors.dot(initial, initial);
        return Scalars.mul(delta.norm(), settings.weightDecay() / Math.max(initNorm2, 1e-12));
    }

    /** Returns the residual stream entering the edited layer, which does not depend on δ. */
    private NDArray lowerLayers() {
        try (ForwardResult below = model.forward(ForwardRequest.builder(tokens).stopAfter(problem.layer() - 1)
                .capture(problem.layer(), Site.LAYER_INPUT).build())) {
            NDArray out = below.capture(problem.layer(), Site.LAYER_INPUT);
            out.attach(nd);
            return out;
        }
    }

    private NDArray spreadCoefficients() {
        float[] c = new float[tokens.size() * length];
        for (int i = 0; i < tokens.size(); i++) {
            for (int j = 0; j < problem.spread()[i].length; j++) {
                c[index(i, j)] = (float) problem.spread()[i][j];
            }
        }
        return nd.create(c, new Shape(tokens.size(), length, 1));
    }

    private static float[] selection(List<Integer> cellsPerRow, int cells) {
        float[] sel = new float[cellsPerRow.size() * cells];
        for (int k = 0; k < cellsPerRow.size(); k++) {
            sel[k * cells + cellsPerRow.get(k)] = 1f;
        }
        return sel;
    }

    /** Returns the flat index of row {@code row}, token {@code p} in a [B, T] grid. */
    private int index(int row, int p) {
        return row * length + p;
    }

    /** Checks {@code lossLayer} against the model and returns it as the objective reads it (see the constructor). */
    static int lossLayer(EditableModel model, DeltaOptimizer.Problem problem, DeltaOptimizer.Settings settings) {
        int last = model.architecture().layers() - 1;
        if (settings.lossLayer() > last) {
            throw new InvalidRequestException("v_loss_layer " + settings.lossLayer() + " does not exist: the model has "
                    + "layers 0.." + last + " (-1 reads the model's logits)");
        }
        int layer = settings.lossLayer() < 0 ? last : Math.max(settings.lossLayer(), problem.layer());
        return layer == last ? -1 : layer;   // the last block's output through the head is the logits
    }
}
