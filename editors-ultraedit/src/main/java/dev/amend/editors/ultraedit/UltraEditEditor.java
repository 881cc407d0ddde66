package dev.amend.editors.ultraedit;

import dev.amend.kit.GradientFactors;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.LinearAlgebra;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * UltraEdit, one batch of requests at a time: one forward and backward pass of the edit loss gives, at every edited
 * weight, the keys k (its inputs) and the gradients g of the loss at its outputs, at the tokens {@code token}
 * chooses; the rows {@code [k, g]} of all edited weights are folded into the lifelong normalisation (the state the
 * history's edits imply, see {@link LifelongNormalizer}) and normalised by it; each row's pseudo value residual is
 * {@code v = −lr ‖k̂‖² ĝ}, and each weight's update the ridge solution {@code ΔW = V Kᵀ (I + K Kᵀ)⁻¹} on the raw
 * keys. The edit records its batch's moments, from which the next edits rebuild the normalisation.
 */
final class UltraEditEditor implements Editor {
    /** The ridge of the reference's solve, {@code KᵀK + I}. */
    static final double RIDGE = 1.0;

    private final UltraEditHyperparameters h;

    UltraEditEditor(UltraEditHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        List<String> problems = h.problems(model.architecture());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("UltraEdit hyperparameters: " + String.join("; ", problems));
        }
        if (requests.isEmpty()) {
            throw new InvalidRequestException("an UltraEdit edit needs at least one request");
        }
        long t0 = System.nanoTime();
        int dff = model.architecture().intermediateSize();
        int d = model.architecture().hiddenSize();
        List<EditPoint> points = h.layers(model.architecture()).stream().map(model.architecture()::editPoint).toList();
        List<GradientFactors.Sequence> sequences = GradientFactors.encode(model, requests);
        Map<EditPoint, GradientFactors.Factors> factors = GradientFactors.capture(model, sequences,
                groupWeights(sequences, h.batchSize()), points, null,
                h.token().equals("ans") ? GradientFactors.Rows.TARGETS : GradientFactors.Rows.ALL);
        ctx.checkCancelled();
        long t1 = System.nanoTime();
        int total = factors.values().stream().mapToInt(GradientFactors.Factors::tokens).sum();
        LifelongNormalizer.Moments batch = LifelongNormalizer.Moments.of(rows(factors.values(), total, dff, d), total,
                dff + d);
        LifelongNormalizer normalizer = LifelongNormalizer.replay(ctx.history(), dff + d);
        normalizer.add(batch);
        LinearAlgebra linalg = LinearAlgebra.forModel(model);
        List<WeightDelta> deltas = new ArrayList<>();
        Map<String, Double> valueNorms = new LinkedHashMap<>();
        for (EditPoint p : points) {
            GradientFactors.Factors f = factors.get(p);
            double[] residuals = pseudoValues(f, normalizer, dff, d);
            valueNorms.put(String.valueOf(p.layer()), meanColumnNorm(residuals, d, f.tokens()));
            LeastSquares.Update u = LeastSquares.ridge(keyColumns(f, dff), residuals, dff, d, f.tokens(), RIDGE,
                    linalg);
            deltas.add(u.toWeightDelta(p.weight()));
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layers", points.stream().map(EditPoint::layer).toList());
        meta.put("rows_per_layer", factors.values().iterator().next().tokens());
        meta.put("normalizer_rows", normalizer.rows());
        meta.put("previous_edits", ctx.history().size());
        meta.put("mean_value_norm_per_layer", valueNorms);
        meta.put("seconds_gradients", (t1 - t0) / 1e9);
        meta.put("seconds_solve", (System.nanoTime() - t1) / 1e9);
        meta.put(UltraEditProvider.MOMENTS, batch.toMetadata());
        return new Edit(UltraEditProvider.NAME, UltraEditProvider.VERSION, requests, HyperparameterBinder.toMap(h),
                List.of(), deltas, meta);
    }

    /**
     * Returns each sequence's weight per target token: one over the target tokens of its group of {@code groupSize}
     * requests, so that each group's loss is its mean NLL (the reference's cross-entropy over one batch).
     */
    static double[] groupWeights(List<GradientFactors.Sequence> sequences, int groupSize) {
        double[] w = new double[sequences.size()];
        for (int from = 0; from < w.length; from += groupSize) {
            int to = Math.min(w.length, from + groupSize);
            int tokens = 0;
            for (int i = from; i < to; i++) {
                tokens += sequences.get(i).target().length;
            }
            for (int i = from; i < to; i++) {
                w[i] = 1.0 / tokens;
            }
        }
        return w;
    }

    /** Returns the rows {@code [k, g]} [total, d_ff + d] of all weights' factors, row-major. */
    private static double[] rows(Iterable<GradientFactors.Factors> factors, int total, int dff, int d) {
        double[] out = new double[total * (dff + d)];
        int r = 0;
        for (GradientFactors.Factors f : factors) {
            for (int t = 0; t < f.tokens(); t++, r++) {
                row(f, t, dff, d, out, r * (dff + d));
            }
        }
        return out;
    }

    /** Writes the row {@code [k, g]} of token {@code t} of {@code f} into {@code into} at {@code at}. */
    private static void row(GradientFactors.Factors f, int t, int dff, int d, double[] into, int at) {
        for (int i = 0; i < dff; i++) {
            into[at + i] = f.x()[t * dff + i];
        }
        for (int i = 0; i < d; i++) {
            into[at + dff + i] = f.delta()[t * d + i];
        }
    }

    /** Returns V [d, n]: column j is {@code −lr ‖k̂_j‖² ĝ_j}, from the normalised row of token j. */
    private double[] pseudoValues(GradientFactors.Factors f, LifelongNormalizer normalizer, int dff, int d) {
        int n = f.tokens();
        int width = dff + d;
        double[] raw = new double[n * width];
        for (int t = 0; t < n; t++) {
            row(f, t, dff, d, raw, t * width);
        }
        double[] z = normalizer.normalize(raw, n);
        double[] v = new double[d * n];
        for (int j = 0; j < n; j++) {
            double k2 = 0;
            for (int i = 0; i < dff; i++) {
                k2 += z[j * width + i] * z[j * width + i];
            }
            double coeff = -h.lr() * k2;
            for (int i = 0; i < d; i++) {
                v[i * n + j] = coeff * z[j * width + dff + i];
            }
        }
        return v;
    }

    /** Returns K [d_ff, n]: column j is the key of token j. */
    private static double[] keyColumns(GradientFactors.Factors f, int dff) {
        int n = f.tokens();
        double[] k = new double[dff * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < dff; i++) {
                k[i * n + j] = f.x()[j * dff + i];
            }
        }
        return k;
    }

    /** Returns the mean Euclidean norm of the {@code n} columns of {@code m} [rows, n]. */
    private static double meanColumnNorm(double[] m, int rows, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < rows; i++) {
                s += m[i * n + j] * m[i * n + j];
            }
            sum += Math.sqrt(s);
        }
        return n == 0 ? 0 : sum / n;
    }
}
