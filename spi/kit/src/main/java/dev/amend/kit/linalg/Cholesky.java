package dev.amend.kit.linalg;

/**
 * Cholesky factorisation {@code A = L Lᵀ} of a symmetric positive definite n×n matrix, in float64.
 *
 * <p>Matrices are row-major {@code double[]}. Only the lower triangle (diagonal included) of the input
 * is read. The factorisation is blocked (right-looking, panels of {@value #BLOCK} columns) and its
 * trailing updates run in parallel over rows; every element is computed by the same sequence of
 * operations whatever the thread count, so results are deterministic.
 */
public final class Cholesky implements SpdSolver {
    /** Panel width of the blocked factorisation. */
    private static final int BLOCK = 64;
    private static final double EPS = Math.ulp(1.0);

    private final int n;
    /** Row-major n×n, L in the lower triangle, zeros above. */
    private final double[] l;

    private Cholesky(int n, double[] l) {
        this.n = n;
        this.l = l;
    }

    /**
     * Thrown when a matrix is not (numerically) positive definite: a pivot was not above
     * {@code n·ε·max|a_ii|}.
     */
    public static final class NotPositiveDefiniteException extends ArithmeticException {
        private final int pivot;

        /** Creates the exception for the 0-based {@code pivot} with the given message. */
        public NotPositiveDefiniteException(String message, int pivot) {
            super(message);
            this.pivot = pivot;
        }

        /** Returns the 0-based index of the first pivot that failed. */
        public int pivot() {
            return pivot;
        }
    }

    /**
     * Returns the factorisation of the symmetric positive definite n×n row-major matrix {@code a}
     * (only its lower triangle is read; {@code a} is not modified).
     *
     * @throws NotPositiveDefiniteException if a pivot is not positive beyond rounding
     * @throws IllegalArgumentException     on a shape mismatch or a non-finite entry
     */
    public static Cholesky of(double[] a, int n) {
        if (n < 1 || a.length != (long) n * n) {
            throw new IllegalArgumentException(a.length + " values for a " + n + "×" + n + " matrix");
        }
        double[] w = new double[n * n];
        double maxDiag = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = a[i * n + j];
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("matrix entry (" + i + ", " + j + ") is not finite");
                }
                w[i * n + j] = x;
            }
            maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]));
        }
        double tol = n * EPS * maxDiag;
        for (int kb = 0; kb < n; kb += BLOCK) {
            final int b0 = kb;
            final int b1 = Math.min(n, kb + BLOCK);
            // Diagonal block (earlier panels already subtracted by the trailing updates).
            for (int j = b0; j < b1; j++) {
                int rj = j * n;
                double s = w[rj + j];
                for (int p = b0; p < j; p++) {
                    s -= w[rj + p] * w[rj + p];
                }
                if (!(s > tol)) {
                    throw new NotPositiveDefiniteException("matrix is not positive definite: pivot " + j
                            + " of " + n + " is " + s + " (tolerance " + tol + ")", j);
                }
                double ljj = Math.sqrt(s);
                w[rj + j] = ljj;
                for (int i = j + 1; i < b1; i++) {
                    int ri = i * n;
                    double t = w[ri + j];
                    for (int p = b0; p < j; p++) {
                        t -= w[ri + p] * w[rj + p];
                    }
                    w[ri + j] = t / ljj;
                }
            }
            if (b1 == n) {
                break;
            }
            // Panel below the diagonal block.
            Blas.parallelFor(n - b1, (long) (b1 - b0) * (b1 - b0), (r0, r1) -> {
                for (int i = b1 + r0; i < b1 + r1; i++) {
                    int ri = i * n;
                    for (int j = b0; j < b1; j++) {
                        int rj = j * n;
                        double t = w[ri + j];
                        for (int p = b0; p < j; p++) {
                            t -= w[ri + p] * w[rj + p];
                        }
                        w[ri + j] = t / w[rj + j];
                    }
                }
            });
            // Trailing lower triangle: w[i][j] -= Σ_p L[i][p] L[j][p], via the transposed panel.
            int width = b1 - b0;
            double[] pt = new double[width * n];
            for (int j = b1; j < n; j++) {
                for (int p = b0; p < b1; p++) {
                    pt[(p - b0) * n + j] = w[j * n + p];
                }
            }
            Blas.parallelFor(n - b1, (long) width * (n - b1), (r0, r1) -> {
                for (int i = b1 + r0; i < b1 + r1; i++) {
                    int ri = i * n;
                    for (int p = 0; p < width; p++) {
                        double a0 = w[ri + b0 + p];
                        int po = p * n;
                        for (int j = b1; j <= i; j++) {
                            w[ri + j] -= a0 * pt[po + j];
                        }
                    }
                }
            });
        }
        return new Cholesky(n, w);
    }

    /** Returns the order n. */
    @Override
    public int dim() {
        return n;
    }

    /** Returns a copy of L, row-major n×n, zeros above the diagonal. */
    public double[] lower() {
        return l.clone();
    }

    /** Returns log det A = 2 Σ log L_ii. */
    public double logDeterminant() {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.log(l[i * n + i]);
        }
        return 2 * s;
    }

    /** Returns x (length n) solving A x = b (length n). */
    @Override
    public double[] solve(double[] b) {
        if (b.length != n) {
            throw new IllegalArgumentException("right-hand side has " + b.length + " values, expected " + n);
        }
        double[] x = b.clone();
        for (int i = 0; i < n; i++) {                         // L y = b
            x[i] = (x[i] - Blas.dot(l, i * n, x, 0, i)) / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) {                    // Lᵀ x = y, column sweep over row i of L
            int ri = i * n;
            double xi = x[i] / l[ri + i];
            x[i] = xi;
            for (int p = 0; p < i; p++) {
                x[p] -= l[ri + p] * xi;
            }
        }
        return x;
    }

    /** Returns X (row-major n×cols) solving A X = B for the row-major n×cols matrix B (not modified). */
    @Override
    public double[] solve(double[] b, int cols) {
        if (cols < 0 || b.length != (long) n * cols) {
            throw new IllegalArgumentException("right-hand side has " + b.length + " values, expected "
                    + n + "×" + cols);
        }
        double[] x = b.clone();
        int stripes = (cols + 31) / 32;
        Blas.parallelFor(stripes, 2L * n * n * 32, (s0, s1) -> {
            int c0 = s0 * 32;
            int c1 = Math.min(cols, s1 * 32);
            for (int i = 0; i < n; i++) {                     // L Y = B
                int ri = i * n;
                int xi = i * cols;
                for (int p = 0; p < i; p++) {
                    double lip = l[ri + p];
                    if (lip == 0) {
                        continue;
                    }
                    int xp = p * cols;
                    for (int c = c0; c < c1; c++) {
                        x[xi + c] -= lip * x[xp + c];
                    }
                }
                double inv = 1.0 / l[ri + i];
                for (int c = c0; c < c1; c++) {
                    x[xi + c] *= inv;
                }
            }
            for (int i = n - 1; i >= 0; i--) {                // Lᵀ X = Y
                int ri = i * n;
                int xi = i * cols;
                double inv = 1.0 / l[ri + i];
                for (int c = c0; c < c1; c++) {
                    x[xi + c] *= inv;
                }
                for (int p = 0; p < i; p++) {
                    double lip = l[ri + p];
                    if (lip == 0) {
                        continue;
                    }
                    int xp = p * cols;
                    for (int c = c0; c < c1; c++) {
                        x[xp + c] -= lip * x[xi + c];
                    }
                }
            }
        });
        return x;
    }
}
