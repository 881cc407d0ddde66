package dev.amend.kit.linalg;

import dev.amend.spi.edit.WeightDelta;
import java.util.Objects;

/**
 * The closed-form weight insertions of ROME and MEMIT, in float64 (AlphaEdit's, in the null space of the
 * preserved keys, are in {@link ProjectedLeastSquares}).
 *
 * <p>All matrices are row-major {@code double[]} with their shapes stated in brackets, {@code [rows, cols]}.
 * A weight W maps keys to values ({@code v = W k}): W is {@code [d, d_ff]} (the [out, in] orientation
 * of {@link WeightDelta}); keys are columns of {@code K [d_ff, n]} (column j is key j); the value
 * residuals {@code v*_j − W k_j} are columns of {@code R [d, n]}; the key covariance C is
 * {@code [d_ff, d_ff]}. Each method returns ΔW as an {@link Update}, low-rank where that is smaller.
 */
public final class LeastSquares {

    private LeastSquares() {
    }

    // ------------------------------------------------------------------------------------------ ROME

    /**
     * Returns ROME's rank-one update {@code ΔW = r uᵀ / (uᵀ k_den)} as factors left = {@code r / (uᵀ k_den)}
     * {@code [d, 1]} and right = {@code u} {@code [d_ff, 1]}.
     *
     * <p>{@code u = C⁻¹ k_upd} is the covariance-whitened update key (any positive multiple gives the same
     * ΔW, so ROME's normalised u is fine). The corrected variant (R-ROME) passes {@code k_den = k_upd}, the
     * key averaged over the context prefixes, and then {@code (W + ΔW) k_upd = W k_upd + r}. Original ROME
     * passes the plain key of the unprefixed prompt as {@code k_den} (and computes r with it), so that
     * {@code (W + ΔW) k_plain = v*}. Either way {@code ΔW c = 0} for every c with {@code uᵀ c = 0}.
     *
     * @param residual       r = v* − W k, length d
     * @param u              C⁻¹ k_upd, length d_ff
     * @param denominatorKey k_den, length d_ff
     * @throws ArithmeticException if {@code uᵀ k_den} is zero or not finite
     */
    public static Update rankOne(double[] residual, double[] u, double[] denominatorKey) {
        if (u.length != denominatorKey.length) {
            throw new IllegalArgumentException("u has " + u.length + " values, the denominator key "
                    + denominatorKey.length);
        }
        double den = Blas.dot(u, 0, denominatorKey, 0, u.length);
        double scale = Math.sqrt(Blas.dot(u, 0, u, 0, u.length) * Blas.dot(denominatorKey, 0, denominatorKey, 0,
                denominatorKey.length));
        if (!Double.isFinite(den) || Math.abs(den) <= 1e-14 * scale || den == 0) {
            throw new ArithmeticException("ROME denominator uᵀk = " + den + " is zero to working precision: the "
                    + "key is (nearly) orthogonal to C⁻¹ k; check the key and the covariance");
        }
        double[] left = new double[residual.length];
        for (int i = 0; i < left.length; i++) {
            left[i] = residual[i] / den;
        }
        return Update.lowRank(residual.length, u.length, 1, left, u.clone());
    }

    /**
     * Returns ROME's rank-one update computing {@code u = C⁻¹ k_upd} by solving with the factored
     * covariance, then {@link #rankOne(double[], double[], double[])}.
     *
     * @param covariance     Cholesky factor of C [d_ff, d_ff]
     * @param updateKey      k_upd (the prefix-averaged key whose whitened form is the update direction), d_ff
     * @param denominatorKey k_den: {@code updateKey} for R-ROME, the plain prompt's key for original ROME
     * @param residual       r = v* − W k (k = the key the edit must map exactly to v*), length d
     */
    public static Update rankOne(Cholesky covariance, double[] updateKey, double[] denominatorKey,
                                 double[] residual) {
        return rankOne(residual, covariance.solve(updateKey), denominatorKey);
    }

    // ----------------------------------------------------------------------------------------- MEMIT

    /**
     * Returns MEMIT's batch update for one layer, {@code ΔW = R Kᵀ (λC + K Kᵀ)⁻¹ [d, d_ff]}, the minimiser of
     * {@code λ‖ΔW‖²_C + ‖(W + ΔW) K − V‖²} with {@code ‖X‖²_C = tr(X C Xᵀ)} and {@code R = V − W K}.
     *
     * <p>It solves {@code A X = K} with {@code A = λC + K Kᵀ} by Cholesky and returns low-rank factors
     * left = R {@code [d, n]}, right = {@code A⁻¹ K [d_ff, n]} when {@code n < min(d, d_ff)}, else the dense
     * product. Only the lower triangle of C is read.
     *
     * @param keys       K [d_ff, n]
     * @param residuals  R [d, n] (MEMIT spreads a layer's share of the residual before calling)
     * @param covariance C [d_ff, d_ff], symmetric positive semidefinite
     * @param lambda     λ ≥ 0 (mom2_update_weight)
     * @throws Cholesky.NotPositiveDefiniteException if λC + K Kᵀ is not positive definite
     */
    public static Update memit(double[] keys, double[] residuals, double[] covariance, int dff, int d, int n,
                               double lambda) {
        return memit(keys, residuals, covariance, dff, d, n, lambda, LinearAlgebra.java());
    }

    /**
     * Returns MEMIT's batch update as {@link #memit(double[], double[], double[], int, int, int, double)} does, with
     * the solve on the path {@code linalg} chooses (the model's device for the torch path).
     */
    public static Update memit(double[] keys, double[] residuals, double[] covariance, int dff, int d, int n,
                               double lambda, LinearAlgebra linalg) {
        checkShape("keys", keys, dff, n);
        checkShape("residuals", residuals, d, n);
        checkShape("covariance", covariance, dff, dff);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("λ (mom2_update_weight) must be finite and ≥ 0, got " + lambda);
        }
        double[] a = linalg.multiplyTransposed(keys, dff, n, keys, dff);   // K Kᵀ
        for (int i = 0; i < a.length; i++) {
            a[i] += lambda * covariance[i];
        }
        double[] right;                                           // A⁻¹ K, [d_ff, n]
        try {
            right = linalg.solveSpd(a, dff, keys, n);
        } catch (Cholesky.NotPositiveDefiniteException e) {
            throw new Cholesky.NotPositiveDefiniteException("MEMIT: λC + K Kᵀ (λ = " + lambda + ", " + n
                    + " keys of size " + dff + ") is not positive definite (" + e.getMessage()
                    + "); raise mom2_update_weight (λ) or collect more covariance statistics (mom2_n_samples)",
                    e.pivot());
        }
        if (n < Math.min(d, dff)) {
            return Update.lowRank(d, dff, n, residuals.clone(), right);
        }
        return Update.dense(d, dff, linalg.multiplyTransposed(residuals, d, n, right, dff));
    }

    /**
     * Returns the ridge update {@code ΔW = R Kᵀ (λI + K Kᵀ)⁻¹ [d, d_ff]}, the minimiser of
     * {@code λ‖ΔW‖² + ‖ΔW K − R‖²}: MEMIT's update with C = I, and UltraEdit's solve (λ = 1). With fewer keys than
     * d_ff it solves the [n, n] system of the same update, {@code ΔW = R (λI + KᵀK)⁻¹ Kᵀ}, and returns low-rank
     * factors (left = {@code R (λI + KᵀK)⁻¹}, right = K) when that is smaller than the dense matrix.
     *
     * @param keys      K [d_ff, n]
     * @param residuals R [d, n]
     * @param lambda    λ &gt; 0
     * @throws IllegalArgumentException if λ is not a finite positive number or a shape does not fit
     */
    public static Update ridge(double[] keys, double[] residuals, int dff, int d, int n, double lambda,
                               LinearAlgebra linalg) {
        checkShape("keys", keys, dff, n);
        checkShape("residuals", residuals, d, n);
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("the ridge λ must be finite and > 0, got " + lambda);
        }
        if (n > dff) {
            double[] identity = new double[dff * dff];
            for (int i = 0; i < dff; i++) {
                identity[i * dff + i] = 1;
            }
            return memit(keys, residuals, identity, dff, d, n, lambda, linalg);
        }
        double[] kt = Blas.transpose(keys, dff, n);                          // Kᵀ [n, d_ff]
        double[] g = linalg.multiplyTransposed(kt, n, dff, kt, n);           // KᵀK [n, n]
        for (int i = 0; i < n; i++) {
            g[i * n + i] += lambda;
        }
        double[] x = linalg.solveSpd(g, n, Blas.transpose(residuals, d, n), d);   // (λI + KᵀK)⁻¹ Rᵀ [n, d]
        double[] left = Blas.transpose(x, n, d);                             // R (λI + KᵀK)⁻¹ [d, n]
        if (n < Math.min(d, dff)) {
            return Update.lowRank(d, dff, n, left, keys.clone());
        }
        return Update.dense(d, dff, linalg.multiplyTransposed(left, d, n, keys, dff));
    }

    /** Throws unless {@code a} holds a [rows, cols] matrix. */
    static void checkShape(String what, double[] a, int rows, int cols) {
        Objects.requireNonNull(a, what);
        if (rows < 0 || cols < 0 || a.length != (long) rows * cols) {
            throw new IllegalArgumentException(what + ": " + a.length + " values for shape [" + rows + ", "
                    + cols + "]");
        }
    }

    // ---------------------------------------------------------------------------------------- Update

    /**
     * A weight update ΔW {@code [rows, cols]}, stored either densely or as {@code left · rightᵀ} with
     * left {@code [rows, rank]} and right {@code [cols, rank]} (the layout of {@link WeightDelta.LowRank}).
     */
    public static final class Update {
        private final int rows;
        private final int cols;
        private final int rank;
        private final double[] left;
        private final double[] right;
        private final double[] dense;

        private Update(int rows, int cols, int rank, double[] left, double[] right, double[] dense) {
            this.rows = rows;
            this.cols = cols;
            this.rank = rank;
            this.left = left;
            this.right = right;
            this.dense = dense;
        }

        /** Returns the update {@code left · rightᵀ}; left [rows, rank], right [cols, rank] (arrays not copied). */
        public static Update lowRank(int rows, int cols, int rank, double[] left, double[] right) {
            checkShape("left factor", left, rows, rank);
            checkShape("right factor", right, cols, rank);
            return new Update(rows, cols, rank, left, right, null);
        }

        /** Returns the dense update with the given row-major [rows, cols] values (array not copied). */
        public static Update dense(int rows, int cols, double[] values) {
            checkShape("dense update", values, rows, cols);
            return new Update(rows, cols, -1, null, null, values);
        }

        /** Returns the number of rows (output features). */
        public int rows() {
            return rows;
        }

        /** Returns the number of columns (input features). */
        public int cols() {
            return cols;
        }

        /** Returns true when stored as low-rank factors. */
        public boolean isLowRank() {
            return dense == null;
        }

        /** Returns the number of factor columns, or -1 for a dense update. */
        public int rank() {
            return rank;
        }

        /** Returns a copy of the left factor [rows, rank]; throws for a dense update. */
        public double[] left() {
            requireLowRank();
            return left.clone();
        }

        /** Returns a copy of the right factor [cols, rank]; throws for a dense update. */
        public double[] right() {
            requireLowRank();
            return right.clone();
        }

        /** Returns ΔW as a new dense row-major [rows, cols] array. */
        public double[] dense() {
            if (dense != null) {
                return dense.clone();
            }
            return Blas.mulTransB(left, rows, rank, right, cols);
        }

        /** Returns {@code ΔW x} (length rows) for x of length cols. */
        public double[] apply(double[] x) {
            if (x.length != cols) {
                throw new IllegalArgumentException("vector has " + x.length + " values, expected " + cols);
            }
            double[] y = new double[rows];
            if (dense != null) {
                for (int i = 0; i < rows; i++) {
                    y[i] = Blas.dot(dense, i * cols, x, 0, cols);
                }
                return y;
            }
            double[] t = new double[rank];                 // rightᵀ x
            for (int j = 0; j < cols; j++) {
                double xj = x[j];
                for (int c = 0; c < rank; c++) {
                    t[c] += right[j * rank + c] * xj;
                }
            }
            for (int i = 0; i < rows; i++) {
                y[i] = Blas.dot(left, i * rank, t, 0, rank);
            }
            return y;
        }

        /** Adds ΔW to the row-major [rows, cols] matrix {@code w} in place and returns {@code w}. */
        public double[] addTo(double[] w) {
            checkShape("weight", w, rows, cols);
            double[] dw = dense != null ? dense : dense();
            for (int i = 0; i < w.length; i++) {
                w[i] += dw[i];
            }
            return w;
        }

        /** Returns the number of doubles stored. */
        public long storedDoubles() {
            return dense != null ? dense.length : (long) left.length + right.length;
        }

        /** Returns the update as a float32 {@link WeightDelta} for the named weight, keeping its storage form. */
        public WeightDelta toWeightDelta(String weight) {
            if (dense != null) {
                return new WeightDelta.Dense(weight, rows, cols, Vectors.toFloats(dense));
            }
            return new WeightDelta.LowRank(weight, rows, cols, rank, Vectors.toFloats(left), Vectors.toFloats(right));
        }

        private void requireLowRank() {
            if (dense != null) {
                throw new IllegalStateException("the update is dense; use dense()");
            }
        }
    }
}
