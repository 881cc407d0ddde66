package dev.amend.kit.linalg;

/**
 * AlphaEdit's weight insertion in float64: the least-squares update restricted to the null space of the preserved
 * keys, {@code (P (K Kᵀ + K_p K_pᵀ) + α I) X = P K Rᵀ}, and the Gram matrices of earlier edits' keys it takes.
 * Matrices are row-major {@code double[]} as in {@link LeastSquares}.
 */
public final class ProjectedLeastSquares {
    private ProjectedLeastSquares() {
    }

    /**
     * Returns AlphaEdit's update {@code ΔW = Xᵀ [d, d_ff]} where X {@code [d_ff, d]} solves
     * {@code (P (K Kᵀ + K_p K_pᵀ) + α I) X = P K Rᵀ}.
     *
     * <p>For α &gt; 0 the solution lies in the range of P ({@code α X = P(K Rᵀ − G X)}), so
     * {@code ΔW (I − P) = 0}: the update is blind to every key direction outside the null space, in
     * particular to C's eigenvectors at or above the threshold, and {@code ‖ΔW C‖ ≤ threshold·‖ΔW‖}.
     * On the range of P the system is the same as the symmetric positive definite
     * {@code (P G P + α I) X = P K Rᵀ}, which this solves by Cholesky (see
     * {@link #alphaEditProjected}).
     *
     * @param projector    P, of dimension d_ff
     * @param keys         K [d_ff, n]
     * @param residuals    R [d, n]
     * @param previousGram K_p K_pᵀ [d_ff, d_ff] accumulated over earlier edits, or null for none
     * @param alpha        α, the L2 weight (AlphaEdit's {@code L2})
     * @throws ArithmeticException if the system is singular to working precision (α = 0)
     */
    public static LeastSquares.Update alphaEdit(NullSpaceProjector projector, double[] keys, double[] residuals,
                                   double[] previousGram, int d, int n, double alpha) {
        int dff = projector.dim();
        if (previousGram != null) {
            LeastSquares.checkShape("previous key Gram matrix", previousGram, dff, dff);
        }
        return alphaEditProjected(projector, keys, residuals,
                previousGram == null ? null : projectGram(projector, previousGram), d, n, alpha);
    }

    /**
     * Returns {@code P G P [d_ff, d_ff]} for a symmetric {@code G [d_ff, d_ff]}, exactly symmetric: the form in
     * which {@link #alphaEditProjected} takes the earlier edits' key Gram matrix.
     */
    public static double[] projectGram(NullSpaceProjector projector, double[] gram) {
        int dff = projector.dim();
        LeastSquares.checkShape("Gram matrix", gram, dff, dff);
        double[] pgp = projector.projectRight(projector.project(gram, dff, dff), dff, dff);
        symmetrize(pgp, dff);
        return pgp;
    }

    /**
     * Adds {@code (P K)(P K)ᵀ} of the keys {@code K [d_ff, n]} to {@code projectedGram} {@code [d_ff, d_ff]} in
     * place and returns it: the projected Gram matrix of {@link #alphaEditProjected} grown by further keys
     * without projecting the whole matrix again.
     */
    public static double[] accumulateProjectedKeyGram(double[] projectedGram, NullSpaceProjector projector,
                                                      double[] keys, int n) {
        int dff = projector.dim();
        LeastSquares.checkShape("projected key Gram matrix", projectedGram, dff, dff);
        LeastSquares.checkShape("keys", keys, dff, n);
        return accumulateKeyGram(projectedGram, projector.project(keys, dff, n), dff, n);
    }

    /**
     * Returns AlphaEdit's update as {@link #alphaEdit} does, from the earlier edits' keys already projected:
     * X solves the symmetric positive definite {@code (S + (P K)(P K)ᵀ + α I) X = P K Rᵀ} with
     * {@code S = P K_p K_pᵀ P}, by Cholesky. Callers that keep S up to date edit by edit (adding
     * {@code (P k)(P k)ᵀ} per new key, {@link #accumulateProjectedKeyGram}) avoid the two d_ff³ products of
     * projecting the whole history at every solve, and Cholesky costs half an LU.
     *
     * @param projectedPreviousGram S = P K_p K_pᵀ P [d_ff, d_ff], or null for none
     * @throws Cholesky.NotPositiveDefiniteException if the system is singular to working precision (α = 0)
     */
    public static LeastSquares.Update alphaEditProjected(NullSpaceProjector projector, double[] keys, double[] residuals,
                                            double[] projectedPreviousGram, int d, int n, double alpha) {
        return alphaEditProjected(projector, keys, residuals, projectedPreviousGram, d, n, alpha, LinearAlgebra.java());
    }

    /**
     * Returns AlphaEdit's update as {@link #alphaEditProjected(NullSpaceProjector, double[], double[], double[], int,
     * int, double)} does, with the solve on the path {@code linalg} chooses (the model's device for the torch path).
     */
    public static LeastSquares.Update alphaEditProjected(NullSpaceProjector projector, double[] keys, double[] residuals,
                                            double[] projectedPreviousGram, int d, int n, double alpha,
                                            LinearAlgebra linalg) {
        int dff = projector.dim();
        LeastSquares.checkShape("keys", keys, dff, n);
        LeastSquares.checkShape("residuals", residuals, d, n);
        if (projectedPreviousGram != null) {
            LeastSquares.checkShape("projected previous key Gram matrix", projectedPreviousGram, dff, dff);
        }
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("α (L2) must be finite and ≥ 0, got " + alpha);
        }
        double[] pk = projector.project(keys, dff, n, linalg);    // P K, [d_ff, n]
        double[] m = linalg.multiplyTransposed(pk, dff, n, pk, dff);  // (P K)(P K)ᵀ
        if (projectedPreviousGram != null) {
            for (int i = 0; i < m.length; i++) {
                m[i] += projectedPreviousGram[i];
            }
        }
        for (int i = 0; i < dff; i++) {
            m[i * dff + i] += alpha;
        }
        boolean lowRank = n < Math.min(d, dff);
        // low rank: X = M⁻¹ P K Rᵀ, so ΔW = Xᵀ = R (M⁻¹ P K)ᵀ, factors left = R, right = M⁻¹ P K; else X = M⁻¹ (P K Rᵀ)
        double[] rhs = lowRank ? pk : linalg.multiplyTransposed(pk, dff, n, residuals, d);
        double[] x;
        try {
            x = linalg.solveSpd(m, dff, rhs, lowRank ? n : d);
        } catch (Cholesky.NotPositiveDefiniteException e) {
            throw new Cholesky.NotPositiveDefiniteException("AlphaEdit: P (K Kᵀ + K_p K_pᵀ) P + α I (α = " + alpha
                    + ") is singular to working precision (" + e.getMessage() + "); L2 (α) must be > 0",
                    e.pivot());
        }
        if (lowRank) {
            return LeastSquares.Update.lowRank(d, dff, n, residuals.clone(), x);
        }
        return LeastSquares.Update.dense(d, dff, Blas.transpose(x, dff, d));
    }

    private static void symmetrize(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (a[i * n + j] + a[j * n + i]);
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
    }

    /**
     * Adds {@code K Kᵀ} of the keys {@code K [d_ff, n]} to {@code gram [d_ff, d_ff]} in place (AlphaEdit's
     * accumulation of the edited keys for sequential editing) and returns {@code gram}.
     */
    public static double[] accumulateKeyGram(double[] gram, double[] keys, int dff, int n) {
        LeastSquares.checkShape("key Gram matrix", gram, dff, dff);
        LeastSquares.checkShape("keys", keys, dff, n);
        double[] kk = Blas.mulTransB(keys, dff, n, keys, dff);
        for (int i = 0; i < gram.length; i++) {
            gram[i] += kk[i];
        }
        return gram;
    }
}
