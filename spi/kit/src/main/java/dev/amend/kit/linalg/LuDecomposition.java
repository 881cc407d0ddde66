package dev.amend.kit.linalg;

/**
 * LU factorisation with partial (row) pivoting, {@code P A = L U}, of a general square n×n matrix, in
 * float64.
 *
 * <p>Matrices are row-major {@code double[]}. The factorisation is blocked (right-looking, panels of
 * {@value #BLOCK} columns); the trailing updates run in parallel over rows, and every element is
 * computed by the same sequence of operations whatever the thread count, so results are deterministic.
 */
public final class LuDecomposition {
    /** Panel width of the blocked factorisation. */
    private static final int BLOCK = 64;
    /** Column tile of the trailing update. */
    private static final int TILE = 512;
    private static final double EPS = Math.ulp(1.0);

    private final int n;
    /** Row-major n×n: L strictly below the diagonal (unit diagonal implied), U on and above. */
    private final double[] lu;
    /** Row i of P A is row {@code perm[i]} of A. */
    private final int[] perm;
    private final int swaps;

    private LuDecomposition(int n, double[] lu, int[] perm, int swaps) {
        this.n = n;
        this.lu = lu;
        this.perm = perm;
        this.swaps = swaps;
    }

    /**
     * Returns the factorisation of the n×n row-major matrix {@code a} (not modified).
     *
     * @throws ArithmeticException      if the matrix is singular to working precision (a pivot is not
     *                                  above {@code n·ε·max|a_ij|})
     * @throws IllegalArgumentException on a shape mismatch or a non-finite entry
     */
    public static LuDecomposition of(double[] a, int n) {
        if (n < 1 || a.length != (long) n * n) {
            throw new IllegalArgumentException(a.length + " values for a " + n + "×" + n + " matrix");
        }
        double[] w = a.clone();
        double maxAbs = 0;
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException("matrix entry (" + i / n + ", " + i % n + ") is not finite");
            }
            maxAbs = Math.max(maxAbs, Math.abs(w[i]));
        }
        double tol = n * EPS * maxAbs;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        int swaps = 0;
        double[] tmp = new double[n];
        for (int kb = 0; kb < n; kb += BLOCK) {
            final int b0 = kb;
            final int b1 = Math.min(n, kb + BLOCK);
            // Panel: columns b0..b1-1, all rows below, with row interchanges across the whole matrix.
            for (int k = b0; k < b1; k++) {
                int piv = k;
                double best = Math.abs(w[k * n + k]);
                for (int i = k + 1; i < n; i++) {
                    double x = Math.abs(w[i * n + k]);
                    if (x > best) {
                        best = x;
                        piv = i;
                    }
                }
                if (!(best > tol)) {
                    throw new ArithmeticException("matrix is singular to working precision: pivot " + k + " of "
                            + n + " is " + best + " (tolerance " + tol + ")");
                }
                if (piv != k) {
                    System.arraycopy(w, k * n, tmp, 0, n);
                    System.arraycopy(w, piv * n, w, k * n, n);
                    System.arraycopy(tmp, 0, w, piv * n, n);
                    int t = perm[k];
                    perm[k] = perm[piv];
                    perm[piv] = t;
                    swaps++;
                }
                final int fk = k;
                final double inv = 1.0 / w[k * n + k];
                Blas.parallelFor(n - k - 1, 2L * (b1 - k), (r0, r1) -> {
                    int rk = fk * n;
                    for (int i = fk + 1 + r0; i < fk + 1 + r1; i++) {
                        int ri = i * n;
                        double lik = w[ri + fk] * inv;
                        w[ri + fk] = lik;
                        if (lik == 0) {
                            continue;
                        }
                        for (int j = fk + 1; j < b1; j++) {
                            w[ri + j] -= lik * w[rk + j];
                        }
                    }
                });
            }
            if (b1 == n) {
                break;
            }
            // U12 = L11⁻¹ A12 (unit lower triangular, rows b0..b1-1, columns b1..n-1).
            for (int k = b0; k < b1; k++) {
                int rk = k * n;
                for (int i = k + 1; i < b1; i++) {
                    int ri = i * n;
                    double lik = w[ri + k];
                    if (lik == 0) {
                        continue;
                    }
                    for (int j = b1; j < n; j++) {
                        w[ri + j] -= lik * w[rk + j];
                    }
                }
            }
            // A22 −= L21 U12, tiled over columns so the U12 tile stays in cache.
            Blas.parallelFor(n - b1, 2L * (b1 - b0) * (n - b1), (r0, r1) -> {
                for (int jb = b1; jb < n; jb += TILE) {
                    int je = Math.min(n, jb + TILE);
                    for (int i = b1 + r0; i < b1 + r1; i++) {
                        int ri = i * n;
                        for (int k = b0; k < b1; k++) {
                            double lik = w[ri + k];
                            if (lik == 0) {
                                continue;
                            }
                            int rk = k * n;
                            for (int j = jb; j < je; j++) {
                                w[ri + j] -= lik * w[rk + j];
                            }
                        }
                    }
                }
            });
        }
        return new LuDecomposition(n, w, perm, swaps);
    }

    /** Returns the order n. */
    public int dim() {
        return n;
    }

    /** Returns a copy of the row permutation: row i of P A is row {@code pivots()[i]} of A. */
    public int[] pivots() {
        return perm.clone();
    }

    /** Returns det A (product of U's diagonal, signed by the permutation's parity). */
    public double determinant() {
        double det = (swaps & 1) == 0 ? 1 : -1;
        for (int i = 0; i < n; i++) {
            det *= lu[i * n + i];
        }
        return det;
    }

    /** Returns x (length n) solving A x = b (length n). */
    public double[] solve(double[] b) {
        if (b.length != n) {
            throw new IllegalArgumentException("right-hand side has " + b.length + " values, expected " + n);
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = b[perm[i]];
        }
        for (int i = 0; i < n; i++) {
            x[i] -= Blas.dot(lu, i * n, x, 0, i);
        }
        for (int i = n - 1; i >= 0; i--) {
            int ri = i * n;
            x[i] = (x[i] - Blas.dot(lu, ri + i + 1, x, i + 1, n - i - 1)) / lu[ri + i];
        }
        return x;
    }

    /** Returns X (row-major n×cols) solving A X = B for the row-major n×cols matrix B (not modified). */
    public double[] solve(double[] b, int cols) {
        if (cols < 0 || b.length != (long) n * cols) {
            throw new IllegalArgumentException("right-hand side has " + b.length + " values, expected "
                    + n + "×" + cols);
        }
        double[] x = new double[n * cols];
        for (int i = 0; i < n; i++) {
            System.arraycopy(b, perm[i] * cols, x, i * cols, cols);
        }
        int stripes = (cols + 31) / 32;
        Blas.parallelFor(stripes, 2L * n * n * 32, (s0, s1) -> {
            int c0 = s0 * 32;
            int c1 = Math.min(cols, s1 * 32);
            for (int i = 0; i < n; i++) {                     // L Y = P B, unit diagonal
                int ri = i * n;
                int xi = i * cols;
                for (int p = 0; p < i; p++) {
                    double lip = lu[ri + p];
                    if (lip == 0) {
                        continue;
                    }
                    int xp = p * cols;
                    for (int c = c0; c < c1; c++) {
                        x[xi + c] -= lip * x[xp + c];
                    }
                }
            }
            for (int i = n - 1; i >= 0; i--) {                // U X = Y
                int ri = i * n;
                int xi = i * cols;
                for (int p = i + 1; p < n; p++) {
                    double uip = lu[ri + p];
                    if (uip == 0) {
                        continue;
                    }
                    int xp = p * cols;
                    for (int c = c0; c < c1; c++) {
                        x[xi + c] -= uip * x[xp + c];
                    }
                }
                double inv = 1.0 / lu[ri + i];
                for (int c = c0; c < c1; c++) {
                    x[xi + c] *= inv;
                }
            }
        });
        return x;
    }

    /** Returns A⁻¹ as a row-major n×n array (prefer {@link #solve(double[], int)} where possible). */
    public double[] inverse() {
        double[] id = new double[n * n];
        for (int i = 0; i < n; i++) {
            id[i * n + i] = 1;
        }
        return solve(id, n);
    }
}
