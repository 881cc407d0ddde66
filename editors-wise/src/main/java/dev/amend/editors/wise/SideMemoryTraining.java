package dev.amend.editors.wise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.kit.Scalars;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import java.util.ArrayList;
import java.util.List;

/**
 * One WISE edit's training of its shard, as EasyEdit's {@code WISE.edit}: plain gradient descent ({@code edit_lr},
 * at most {@code n_iter} steps) on the shard's change ΔW = W_side − W_main with the gradient masked to the shard's
 * entries and each entry clamped to ±{@code norm_constraint}, on
 * <pre>
 *   loss = NLL(target | prompt, side memory)                                  (objective_optimization: only_label)
 *        + mean₊(s_out − s_in + γ) + mean₊(s_out − α) + mean₊(β − s_in)       (the routing margins)
 * </pre>
 * where s = ‖ΔW a‖ is a token's activation score, s_in the scores of the edit's answer tokens (the prompt's last token
 * and the target's tokens but the last, in every context template), s_out those of every token of the unrelated
 * texts (pairs for the first term), and mean₊ the mean over the positive entries (0 when none), as published. The
 * side memory acts at the answer tokens only, as the routing will make it act. Early stop as published: the loss
 * moved by at most 1e-4 and is at most 0.02. The layers below the side memory run once.
 */
final class SideMemoryTraining {
    /**
     * What the training gave.
     *
     * @param values         the edit's change at the shard's mask entries
     * @param leastScore     the least score of the answer tokens after training (the threshold's base)
     * @param meanScore      the mean of those scores
     * @param unrelatedScore the highest score of an unrelated token after training
     * @param losses         the loss at every step
     * @param steps          descent steps taken
     * @param finalNll       the target NLL after training
     */
    record Outcome(float[] values, double leastScore, double meanScore, double unrelatedScore, List<Double> losses,
                   int steps, double finalNll) {
    }

    private final EditableModel model;
    private final WiseHyperparameters h;
    private final TrainingRows rows;
    private final NDArray shard;       // [d, d_ff]: the shard's change before this edit
    private final int[] entries;
    private final float[] shardValues;

    SideMemoryTraining(EditableModel model, WiseHyperparameters h, TrainingRows rows, float[] shard, int[] entries,
                       NDManager nd) {
        this.model = model;
        this.h = h;
        this.rows = rows;
        this.entries = entries;
        this.shardValues = shard;
        this.shard = TrainingRows.owned(nd.create(shard, new Shape(rows.outputs(), rows.inputs())));
    }

    /** Returns the trained contribution. */
    Outcome train() {
        float[] delta = new float[shardValues.length];
        List<Double> losses = new ArrayList<>();
        double previous = 1e9;
        double last = 1e9;
        int steps = 0;
        while (true) {
            boolean done = steps == h.nIter() || (Math.abs(last - previous) <= 1e-4 && last <= 0.02);
            Step s = step(delta, !done);
            if (done || !Double.isFinite(s.loss())) {
                return new Outcome(ShardMask.gather(delta, entries), min(s.in()), mean(s.in()), max(s.out()),
                        losses, steps, s.nll());
            }
            losses.add(s.loss());
            descend(delta, s.gradient());
            previous = last;
            last = s.loss();
            steps++;
        }
    }

    /** One evaluation at {@code delta}: loss, NLL, scores, and the gradient when {@code gradient} is true. */
    private record Step(double loss, double nll, float[] in, float[] out, float[] gradient) {
    }

    private Step step(float[] delta, boolean gradient) {
        try (NDScope scope = new NDScope()) {
            NDArray dk = TrainingRows.owned(shard.getManager().create(delta, shard.getShape()));
            dk.setRequiresGradient(true);
            try (GradientCollector gc = shard.getManager().getEngine().newGradientCollector()) {
                NDArray wt = dk.add(shard).transpose();                                      // [d_ff, d]
                NDArray side = rows.keys().matMul(wt).mul(rows.answerMask());                 // [R, T, d]
                ForwardRequest.Builder req = ForwardRequest.builder(rows.tokens()).gradients(true)
                        .add(new SiteAddition(rows.layer(), Site.MLP_OUTPUT, side));
                if (rows.lower() != null) {
                    req.resume(rows.layer(), rows.lower());
                }
                try (ForwardResult res = model.forward(req.build())) {
                    NDArray nll = res.logits().logSoftmax(-1).reshape(rows.cells(), -1)
                            .gather(rows.targetIds(), 1).mul(rows.targetWeights()).sum().neg();
                    NDArray in = scores(rows.answerKeys(), wt);                               // [I]
                    NDArray out = rows.unrelatedKeys() == null ? null : scores(rows.unrelatedKeys(), wt);   // [O]
                    double[] m = h.margins();
                    NDArray margin = positiveMean(in.neg().add(m[1]));      // adding a number keeps the gradient
                    if (out != null) {
                        margin = margin.add(positiveMean(out.sub(m[0])))
                                .add(positiveMean(out.reshape(-1, 1).sub(in.reshape(1, -1)).add(m[2])));
                    }
                    NDArray loss = nll.add(margin);
                    double total = loss.getFloat();
                    float[] grad = null;
                    if (gradient && Double.isFinite(total)) {
                        gc.backward(loss);
                        grad = dk.getGradient().toFloatArray();
                    }
                    return new Step(total, nll.getFloat(), in.toFloatArray(),
                            out == null ? new float[0] : out.toFloatArray(), grad);
                }
            }
        }
    }

    /** Returns ‖ΔW a‖ for each key row a of {@code keys} [N, d_ff], given ΔWᵀ. */
    private static NDArray scores(NDArray keys, NDArray wt) {
        return keys.matMul(wt).norm(new int[] {1});
    }

    /** Returns the mean of the positive entries of {@code x} (0 when none), as the published hinge losses. */
    static NDArray positiveMean(NDArray x) {
        NDArray count = Scalars.maximum(x.gt(0).toType(DataType.FLOAT32, false).sum(), 1);
        return Scalars.maximum(x, 0).sum().div(count);
    }

    /** One masked descent step on {@code delta} in place, each entry clamped so the shard stays within the bound. */
    private void descend(float[] delta, float[] gradient) {
        double c = h.normConstraint();
        for (int e : entries) {
            double moved = delta[e] - h.editLr() * gradient[e];
            double total = Math.max(-c, Math.min(c, shardValues[e] + moved));
            delta[e] = (float) (total - shardValues[e]);
        }
    }

    private static double min(float[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return v.length == 0 ? 0 : m;
    }

    private static double max(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return v.length == 0 ? 0 : s / v.length;
    }
}
