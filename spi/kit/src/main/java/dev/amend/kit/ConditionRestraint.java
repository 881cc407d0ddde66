package dev.amend.kit;

import ai.djl.ndarray.NDManager;
import dev.amend.kit.linalg.LinearAlgebra;
import dev.amend.kit.linalg.SymmetricEigen;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PRUNE's restraint on the condition number of an edited matrix (Ma et al., "Perturbation-Restrained Sequential
 * Model Editing", ICLR 2025). For each edit-point weight an edit changes, the accumulated edit Δ (the deltas of that
 * weight in the history plus this edit's) is decomposed; every singular value σ of Δ larger than σ₀, the largest
 * singular value of the unedited weight W₀ = W − (the history's deltas), becomes ln σ − ln σ₀ + σ₀ (PRUNE's F with
 * the natural logarithm), and the edit gets the low-rank delta that makes the accumulated edit so. Only the large
 * singular values move, so small edits are left as they are. Cost: an eigendecomposition of order min(d, d_ff) per
 * weight and edit.
 */
public final class ConditionRestraint {

    /**
     * What the restraint did to one weight.
     *
     * @param weight        the weight
     * @param baseLargest   σ₀, the largest singular value of the unedited weight
     * @param largestBefore the largest singular value of the accumulated edit before the restraint
     * @param largestAfter  and after it
     * @param restrained    how many singular values were above σ₀ and were reduced
     */
    public record Restrained(String weight, double baseLargest, double largestBefore, double largestAfter,
                             int restrained) {
    }

    /**
     * The edit's deltas with their corrections, and what was done.
     *
     * @param deltas  this edit's deltas followed by one low-rank correction per weight that needed one
     * @param weights per edit-point weight the edit changes, what the restraint did
     */
    public record Result(List<WeightDelta> deltas, List<Restrained> weights) {
        /** Returns the record for the edit's metadata: per weight σ₀, the largest value before and after, the count. */
        public Map<String, Object> metadata() {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Restrained r : weights) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("base_largest_singular_value", r.baseLargest());
                m.put("edit_largest_singular_value_before", r.largestBefore());
                m.put("edit_largest_singular_value_after", r.largestAfter());
                m.put("restrained_singular_values", r.restrained());
                out.put(r.weight(), m);
            }
            return out;
        }
    }

    private ConditionRestraint() {
    }

    /**
     * Returns {@code deltas} restrained against {@code history} when {@code on}, else as they are, and records under
     * {@code prune_restraint} in {@code metadata} what was done per weight (or false when off).
     */
    public static List<WeightDelta> applyIf(boolean on, EditableModel model, List<WeightDelta> deltas,
                                            List<Edit> history, Map<String, Object> metadata) {
        if (!on) {
            metadata.put("prune_restraint", false);
            return deltas;
        }
        Result r = apply(model, deltas, history);
        metadata.put("prune_restraint", r.metadata());
        return r.deltas();
    }

    /** Returns {@code deltas} (this edit's, not applied to {@code model}) restrained against {@code history}. */
    public static Result apply(EditableModel model, List<WeightDelta> deltas, List<Edit> history) {
        Set<String> weights = new LinkedHashSet<>();
        deltas.forEach(d -> weights.add(d.weight()));
        List<WeightDelta> out = new ArrayList<>(deltas);
        List<Restrained> done = new ArrayList<>();
        for (String w : weights) {
            EditPoint point = pointOf(model, w);
            if (point == null) {
                continue;
            }
            int rows = point.outFeatures();
            int cols = point.inFeatures();
            double[] previous = sum(history.stream().flatMap(e -> e.deltas().stream()).toList(), w, rows * cols);
            double[] accumulated = sum(deltas, w, rows * cols);
            for (int i = 0; i < accumulated.length; i++) {
                accumulated[i] += previous[i];
            }
            double[] base = current(model, point);
            for (int i = 0; i < base.length; i++) {
                base[i] -= previous[i];
            }
            double sigma0 = largestSingularValue(base, rows, cols);
            Correction c = correction(model, accumulated, rows, cols, sigma0);
            if (c.rank() > 0) {
                out.add(new WeightDelta.LowRank(w, rows, cols, c.rank(), c.u(), c.v()));
            }
            done.add(new Restrained(w, sigma0, c.largestBefore(), c.largestAfter(), c.rank()));
        }
        return new Result(out, done);
    }

    /** Returns PRUNE's F(σ): σ up to σ₀, and ln σ − ln σ₀ + σ₀ above it. */
    public static double restrained(double sigma, double sigma0) {
        return sigma <= sigma0 ? sigma : Math.log(sigma) - Math.log(sigma0) + sigma0;
    }

    /** The low-rank change that restrains Δ: U [rows, k] and V [cols, k], row-major. */
    private record Correction(int rank, float[] u, float[] v, double largestBefore, double largestAfter) {
    }

    private static Correction correction(EditableModel model, double[] delta, int rows, int cols, double sigma0) {
        boolean outSide = rows <= cols;
        int m = outSide ? rows : cols;
        double[] t = outSide ? delta : transpose(delta, rows, cols);
        double[] gram = LinearAlgebra.forModel(model).multiplyTransposed(t, m, outSide ? cols : rows, t, m);
        SymmetricEigen eigen = SymmetricEigen.of(gram, m);
        double largest = Math.sqrt(Math.max(0, eigen.value(m - 1)));
        List<Integer> big = new ArrayList<>();
        for (int j = m - 1; j >= 0 && sigma0 > 0; j--) {
            if (Math.sqrt(Math.max(0, eigen.value(j))) > sigma0) {
                big.add(j);
            }
        }
        int k = big.size();
        float[] u = new float[rows * k];
        float[] v = new float[cols * k];
        for (int r = 0; r < k; r++) {
            double[] e = eigen.vector(big.get(r));                  // unit, in the out (or in) space
            double sigma = Math.sqrt(eigen.value(big.get(r)));
            double f = restrained(sigma, sigma0) / sigma - 1;
            double[] other = outSide ? transposedTimes(delta, rows, cols, e) : times(delta, rows, cols, e);
            for (int i = 0; i < rows; i++) {
                u[i * k + r] = (float) (outSide ? f * e[i] : f * other[i]);
            }
            for (int i = 0; i < cols; i++) {
                v[i * k + r] = (float) (outSide ? other[i] : e[i]);
            }
        }
        return new Correction(k, u, v, largest, k == 0 ? largest : restrained(largest, sigma0));
    }

    /** Returns σ_max of the row-major [rows, cols] matrix {@code a} by power iteration on aᵀa. */
    public static double largestSingularValue(double[] a, int rows, int cols) {
        double[] x = new double[cols];
        java.util.Arrays.fill(x, 1 / Math.sqrt(cols));
        double sigma = 0;
        for (int it = 0; it < 500; it++) {
            double[] y = transposedTimes(a, rows, cols, times(a, rows, cols, x));
            double norm = Vectors.norm(y);
            if (norm == 0) {
                return 0;
            }
            for (int i = 0; i < cols; i++) {
                x[i] = y[i] / norm;
            }
            double next = Math.sqrt(norm);
            if (Math.abs(next - sigma) <= 1e-10 * next) {
                return next;
            }
            sigma = next;
        }
        return sigma;
    }

    /** Returns the sum of the deltas of {@code weight} among {@code deltas}, dense [out, in], in float64. */
    private static double[] sum(List<WeightDelta> deltas, String weight, int size) {
        double[] acc = new double[size];
        for (WeightDelta d : deltas) {
            if (d.weight().equals(weight)) {
                float[] dense = d.toDense();
                for (int i = 0; i < size; i++) {
                    acc[i] += dense[i];
                }
            }
        }
        return acc;
    }

    /** Returns the weight of {@code point} now, [out, in], in float64. */
    private static double[] current(EditableModel model, EditPoint point) {
        try (NDManager nd = model.manager().newSubManager()) {
            return Vectors.toDoubles(model.linearWeight(point, nd).toFloatArray());
        }
    }

    private static EditPoint pointOf(EditableModel model, String weight) {
        return model.architecture().editPoints().stream().filter(p -> p.weight().equals(weight)).findFirst()
                .orElse(null);
    }

    private static double[] times(double[] a, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += a[i * cols + j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    private static double[] transposedTimes(double[] a, int rows, int cols, double[] x) {
        double[] y = new double[cols];
        for (int i = 0; i < rows; i++) {
            double xi = x[i];
            for (int j = 0; j < cols; j++) {
                y[j] += a[i * cols + j] * xi;
            }
        }
        return y;
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }
}
