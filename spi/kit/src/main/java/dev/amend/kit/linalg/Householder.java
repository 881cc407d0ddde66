package dev.amend.kit.linalg;

/**
 * The first step of {@link SymmetricEigen}: Householder reduction of a symmetric matrix to a symmetric
 * tridiagonal {@code T = Qᵀ A Q}, and the explicit accumulation of Q.
 */
final class Householder {
    private Householder() {
    }

    /**
     * Householder reduction of the symmetric matrix {@code w} (full storage, overwritten) to tridiagonal
     * form: diagonal {@code d}, off-diagonal {@code e[i]} coupling i and i+1 ({@code e[n-1] = 0}).
     * Reflector k is {@code H_k = I − tau[k] v vᵀ} acting on indices k+1..n-1, with {@code v[0] = 1} and
     * the rest stored in row k of {@code w} from column k+2 on.
     *
     * <p>Step k computes {@code p = tau B v} over the trailing block B, {@code q = p − (tau/2)(pᵀv) v} and
     * {@code B −= v qᵀ + q vᵀ}. The pass that applies step k's update to a row also forms that row's
     * product with the next reflector (built first from the updated row k+1), so each step streams the
     * trailing block once instead of twice.
     */
    static void tridiagonalize(double[] w, int n, double[] d, double[] e, double[] tau) {
        if (n < 3) {
            if (n == 2) {
                d[0] = w[0];
                e[0] = w[n];
            }
            d[n - 1] = w[n * n - 1];
            e[n - 1] = 0;
            return;
        }
        double[] v = new double[n];
        double[] vNext = new double[n];
        double[] p = new double[n];
        double[] pNext = new double[n];
        tau[0] = reflector(w, n, 0, d, e, v);
        if (tau[0] != 0) {                                  // p for step 0 from the original matrix
            double t0 = tau[0];
            int m0 = n - 1;
            double[] fv = v;
            double[] fp = p;
            Blas.parallelFor(m0, 2L * m0, (r0, r1) -> {
                for (int i = r0; i < r1; i++) {
                    fp[i] = t0 * Blas.dot(w, (1 + i) * n + 1, fv, 0, m0);
                }
            });
        }
        for (int k = 0; k < n - 2; k++) {
            final int off = k + 1;                          // step k's trailing block: rows/cols off..n-1
            final int m = n - off;
            final double t = tau[k];
            final double[] vk = v;
            final double[] qk = p;
            if (t != 0) {
                double pv = 0;
                for (int j = 0; j < m; j++) {
                    pv += qk[j] * vk[j];
                }
                double half = 0.5 * t * pv;
                for (int j = 0; j < m; j++) {
                    qk[j] -= half * vk[j];
                }
                update(w, n, off, 0, vk, qk, m);            // row off first: the next reflector needs it
            }
            final boolean next = k + 1 < n - 2;
            final double tn = next ? reflector(w, n, off, d, e, vNext) : 0;
            if (next) {
                tau[off] = tn;
            }
            final double[] vn = vNext;
            final double[] pn = pNext;
            if (t != 0 || tn != 0) {
                Blas.parallelFor(m - 1, (t != 0 ? 4L : 0L) * m + (tn != 0 ? 2L : 0L) * m, (r0, r1) -> {
                    for (int i = 1 + r0; i < 1 + r1; i++) {
                        if (t != 0) {
                            update(w, n, off, i, vk, qk, m);
                        }
                        if (tn != 0) {                      // row off+i, columns off+1.. against v_{k+1}
                            pn[i - 1] = tn * Blas.dot(w, (off + i) * n + off + 1, vn, 0, m - 1);
                        }
                    }
                });
            }
            for (int j = 1; j < m; j++) {                   // keep v_k (v[0] = 1 implied) for Q
                w[k * n + off + j] = vk[j];
            }
            double[] sv = v;
            v = vNext;
            vNext = sv;
            double[] sp = p;
            p = pNext;
            pNext = sp;
        }
        d[n - 2] = w[(n - 2) * n + n - 2];
        e[n - 2] = w[(n - 1) * n + n - 2];
        d[n - 1] = w[(n - 1) * n + n - 1];
        e[n - 1] = 0;
    }

    /** Applies {@code B −= v qᵀ + q vᵀ} to row {@code i} of the trailing block at {@code off} (order m). */
    private static void update(double[] w, int n, int off, int i, double[] v, double[] q, int m) {
        int o = (off + i) * n + off;
        double vi = v[i];
        double qi = q[i];
        for (int j = 0; j < m; j++) {
            w[o + j] -= vi * q[j] + qi * v[j];
        }
    }

    /**
     * Builds the reflector for column k from row k of {@code w} (entries k+1..n-1): sets {@code d[k]},
     * {@code e[k]} and {@code v} (length n-k-1, {@code v[0] = 1}), and returns tau (0 when the column is
     * already reduced, leaving v unset).
     */
    private static double reflector(double[] w, int n, int k, double[] d, double[] e, double[] v) {
        int ro = k * n;
        int off = k + 1;
        int m = n - off;
        d[k] = w[ro + k];
        double x0 = w[ro + off];
        double big = 0;
        for (int j = 1; j < m; j++) {
            big = Math.max(big, Math.abs(w[ro + off + j]));
        }
        if (big == 0) {
            e[k] = x0;
            return 0;
        }
        big = Math.max(big, Math.abs(x0));
        double ss = 0;
        for (int j = 0; j < m; j++) {
            double x = w[ro + off + j] / big;
            ss += x * x;
        }
        double norm = big * Math.sqrt(ss);
        double alpha = x0 >= 0 ? -norm : norm;              // H x = alpha e1
        double iv0 = 1.0 / (x0 - alpha);
        v[0] = 1;
        for (int j = 1; j < m; j++) {
            v[j] = w[ro + off + j] * iv0;
        }
        e[k] = alpha;
        return (alpha - x0) / alpha;                        // tau for v scaled to v[0] = 1
    }

    /**
     * Returns Qᵀ = H_{n-3} ⋯ H_1 H_0 as rows (row i of the result is row i of Qᵀ, i.e. column i of Q),
     * built from the right: X ← X H_k for k descending.
     */
    static double[][] accumulateTransposed(double[] w, int n, double[] tau) {
        double[][] x = new double[n][n];
        for (int i = 0; i < n; i++) {
            x[i][i] = 1;
        }
        double[] v = new double[n];
        for (int k = n - 3; k >= 0; k--) {
            double t = tau[k];
            if (t == 0) {
                continue;
            }
            int off = k + 1;
            int m = n - off;
            v[0] = 1;
            System.arraycopy(w, k * n + off + 1, v, 1, m - 1);
            // Only rows off..n-1 have non-zeros in columns off..n-1 at this point.
            Blas.parallelFor(m, 4L * m, (r0, r1) -> {
                for (int r = off + r0; r < off + r1; r++) {
                    double[] row = x[r];
                    double s = t * Blas.dot(row, off, v, 0, m);
                    for (int j = 0; j < m; j++) {
                        row[off + j] -= s * v[j];
                    }
                }
            });
        }
        return x;
    }
}
