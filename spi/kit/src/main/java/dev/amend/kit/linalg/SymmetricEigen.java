package dev.amend.kit.linalg;

/**
 * Eigendecomposition {@code A = V Λ Vᵀ} of a real symmetric n×n matrix, in float64.
 *
 * <p>Matrices are row-major {@code double[]} of length {@code n*n}. The eigenvalues are returned in
 * ascending order; {@link #vectors()} is the row-major n×n matrix V whose column {@code j} is the unit
 * eigenvector of eigenvalue {@code values()[j]}, and the columns are orthonormal.
 *
 * <p>Algorithm: Householder reduction to a symmetric tridiagonal matrix {@code T = Qᵀ A Q}, explicit
 * accumulation of Q, then the implicit QL iteration with Wilkinson shifts on T. The plane rotations of
 * the QL sweeps depend only on T, so they are recorded in a buffer and applied to the basis in column
 * stripes that stay in cache, stripe by stripe in parallel. Every element is computed by the same
 * sequence of floating-point operations whatever the number of threads, so results are deterministic.
 * Cost is about {@code 9 n³} flops; n = 1024 takes a few seconds on two cores.
 */
public final class SymmetricEigen {
    private final int n;
    private final double[] values;
    private final double[] vectors;

    private SymmetricEigen(int n, double[] values, double[] vectors) {
        this.n = n;
        this.values = values;
        this.vectors = vectors;
    }

    /**
     * Returns the eigendecomposition of the symmetric n×n row-major matrix {@code a} (not modified).
     * The two triangles are averaged, so a matrix that is symmetric only up to rounding (an accumulated
     * covariance) is accepted.
     *
     * @throws IllegalArgumentException if the length is not n·n or an entry is not finite
     * @throws ArithmeticException      if the QL iteration fails to converge (not seen in practice)
     */
    public static SymmetricEigen of(double[] a, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("matrix order must be positive, got " + n);
        }
        if (a.length != (long) n * n) {
            throw new IllegalArgumentException(a.length + " values for a " + n + "×" + n + " matrix");
        }
        double[] w = new double[n * n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = a[i * n + j];
                double y = a[j * n + i];
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    throw new IllegalArgumentException("matrix entry (" + i + ", " + j + ") is not finite");
                }
                double s = 0.5 * x + 0.5 * y;
                w[i * n + j] = s;
                w[j * n + i] = s;
                scale = Math.max(scale, Math.abs(s));
            }
        }
        double[] vals = new double[n];
        if (scale == 0) {                      // the zero matrix: V = I
            double[] v = new double[n * n];
            for (int i = 0; i < n; i++) {
                v[i * n + i] = 1;
            }
            return new SymmetricEigen(n, vals, v);
        }
        for (int i = 0; i < w.length; i++) {      // work at unit scale: no overflow in the reflectors
            w[i] /= scale;
        }
        double[] d = new double[n];
        double[] e = new double[n];
        double[] tau = new double[n];
        Householder.tridiagonalize(w, n, d, e, tau);
        double[][] basis = Householder.accumulateTransposed(w, n, tau);
        TridiagonalQl.ql(d, e, basis, n);

        int[] order = ascendingOrder(d);
        double[] v = new double[n * n];
        for (int jb = 0; jb < n; jb += 32) {    // blocked transpose: V[i][j] = basis[order[j]][i]
            int je = Math.min(n, jb + 32);
            for (int ib = 0; ib < n; ib += 32) {
                int ie = Math.min(n, ib + 32);
                for (int j = jb; j < je; j++) {
                    double[] row = basis[order[j]];
                    for (int i = ib; i < ie; i++) {
                        v[i * n + j] = row[i];
                    }
                }
            }
        }
        for (int j = 0; j < n; j++) {
            vals[j] = d[order[j]] * scale;
        }
        return new SymmetricEigen(n, vals, v);
    }

    /** Returns the order n of the matrix. */
    public int dim() {
        return n;
    }

    /** Returns a copy of the n eigenvalues, ascending. */
    public double[] values() {
        return values.clone();
    }

    /** Returns eigenvalue {@code j} (ascending order). */
    public double value(int j) {
        return values[j];
    }

    /** Returns a copy of V: row-major n×n, column {@code j} the unit eigenvector of {@code values()[j]}. */
    public double[] vectors() {
        return vectors.clone();
    }

    /** Returns eigenvector {@code j} (column j of V) as a new array of length n. */
    public double[] vector(int j) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = vectors[i * n + j];
        }
        return out;
    }

    /** Returns how many eigenvalues are strictly below {@code threshold} (they are the first ones). */
    public int countBelow(double threshold) {
        int c = 0;
        while (c < n && values[c] < threshold) {
            c++;
        }
        return c;
    }

    /** Returns V without copying; package-private for the projector. */
    double[] vectorsShared() {
        return vectors;
    }

    /** Returns the indices of {@code key} sorted so the keys ascend (stable merge sort, no boxing). */
    private static int[] ascendingOrder(double[] key) {
        int n = key.length;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        int[] b = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(n, lo + width);
                int hi = Math.min(n, lo + 2 * width);
                int i = lo;
                int j = mid;
                for (int k = lo; k < hi; k++) {
                    if (i < mid && (j >= hi || key[a[i]] <= key[a[j]])) {
                        b[k] = a[i++];
                    } else {
                        b[k] = a[j++];
                    }
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }
}
