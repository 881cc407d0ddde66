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
    /** Unit roundoff of float64 (2⁻⁵²). */
    private static final double EPS = Math.ulp(1.0);
    /** QL iterations allowed per eigenvalue before giving up. */
    private static final int MAX_ITERATIONS = 60;
    /** Columns of the basis that one thread rotates at a time (a stripe of n × STRIPE doubles). */
    private static final int STRIPE = 64;
    /** Most rotations buffered before they are applied to the basis. */
    private static final int ROTATION_BUFFER = 1 << 20;

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
        tridiagonalize(w, n, d, e, tau);
        double[][] basis = accumulateTransposed(w, n, tau);
        ql(d, e, basis, n);

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
    private static void tridiagonalize(double[] w, int n, double[] d, double[] e, double[] tau) {
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
    private static double[][] accumulateTransposed(double[] w, int n, double[] tau) {
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

    /**
     * Implicit QL with Wilkinson shifts on the tridiagonal (d, e); d ends as the eigenvalues (unsorted)
     * and the rotations are applied to the rows of {@code basis}, which end as the eigenvectors.
     */
    private static void ql(double[] d, double[] e, double[][] basis, int n) {
        RotationBuffer rot = new RotationBuffer(basis, n);
        // An off-diagonal is negligible when it is below ε relative to its neighbours or to ‖T‖∞: the
        // reduction already perturbed T by about ε‖A‖, so absolute accuracy ε‖T‖ loses nothing, and the
        // relative test alone can stall on a cluster of rounding-level eigenvalues (a rank-deficient
        // covariance).
        double tnorm = 0;
        for (int i = 0; i < n; i++) {
            tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(e[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0));
        }
        double small = Math.max(EPS * tnorm, Double.MIN_NORMAL);
        for (int l = 0; l < n; l++) {
            int iter = 0;
            while (true) {
                int m = l;
                while (m < n - 1) {
                    double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
                    double em = Math.abs(e[m]);
                    if (em <= EPS * dd || em <= small) {
                        break;
                    }
                    m++;
                }
                if (m == l) {
                    break;
                }
                if (++iter > MAX_ITERATIONS) {
                    throw new ArithmeticException("symmetric eigensolver: no convergence for eigenvalue " + l
                            + " after " + MAX_ITERATIONS + " QL iterations");
                }
                if (!rot.hasRoom(m - l)) {
                    rot.flush();
                }
                // Wilkinson shift from the leading 2×2 block of the unreduced part.
                double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                double r = hypot(g, 1.0);
                g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g));
                double s = 1;
                double c = 1;
                double p = 0;
                boolean deflated = false;
                for (int i = m - 1; i >= l; i--) {
                    double f = s * e[i];
                    double b = c * e[i];
                    r = hypot(f, g);
                    e[i + 1] = r;
                    if (r == 0) {                    // underflow: split the matrix here and restart
                        d[i + 1] -= p;
                        e[m] = 0;
                        deflated = true;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2.0 * c * b;
                    p = s * r;
                    d[i + 1] = g + p;
                    g = c * r - b;
                    rot.add(i, c, s);
                }
                if (deflated) {
                    continue;
                }
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            }
        }
        rot.flush();
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

    /** Returns sqrt(a² + b²) without destructive underflow or overflow. */
    private static double hypot(double a, double b) {
        double x = Math.abs(a);
        double y = Math.abs(b);
        if (x < y) {
            double t = x;
            x = y;
            y = t;
        }
        if (x == 0 || x == Double.POSITIVE_INFINITY) {
            return x;
        }
        double q = y / x;
        return x * Math.sqrt(1.0 + q * q);
    }

    /** Plane rotations (row i, row i+1, c, s) in order, applied to the basis in cache-sized stripes. */
    private static final class RotationBuffer {
        private final double[][] basis;
        private final int n;
        private final int capacity;
        private final int[] index;
        private final double[] cos;
        private final double[] sin;
        private final int[] chainStart;
        private final int[] chainLength;
        private int size;

        RotationBuffer(double[][] basis, int n) {
            this.basis = basis;
            this.n = n;
            this.capacity = (int) Math.max(n, Math.min(ROTATION_BUFFER, 2L * n * n));
            this.index = new int[capacity];
            this.cos = new double[capacity];
            this.sin = new double[capacity];
            this.chainStart = new int[capacity];
            this.chainLength = new int[capacity];
        }

        boolean hasRoom(int count) {
            return size + count <= capacity;
        }

        void add(int i, double c, double s) {
            index[size] = i;
            cos[size] = c;
            sin[size] = s;
            size++;
        }

        void flush() {
            if (size == 0) {
                return;
            }
            final int count = size;
            // Group runs of rotations on rows (i, i+1), (i-1, i), ... (one QL sweep) into chains of up to
            // four, applied in one pass: each row is loaded and stored once per chain instead of twice.
            int chains = 0;
            for (int q = 0; q < count; ) {
                int len = 1;
                while (len < 4 && q + len < count && index[q + len] == index[q] - len) {
                    len++;
                }
                chainStart[chains] = q;
                chainLength[chains] = len;
                chains++;
                q += len;
            }
            final int chainCount = chains;
            int stripes = (n + STRIPE - 1) / STRIPE;
            Blas.parallelFor(stripes, 6L * count * STRIPE, (s0, s1) -> {
                for (int st = s0; st < s1; st++) {
                    int k0 = st * STRIPE;
                    int k1 = Math.min(n, k0 + STRIPE);
                    for (int ch = 0; ch < chainCount; ch++) {
                        int q = chainStart[ch];
                        int top = index[q] + 1;
                        switch (chainLength[ch]) {
                            case 4 -> rotate4(basis[top], basis[top - 1], basis[top - 2], basis[top - 3],
                                    basis[top - 4], q, k0, k1);
                            case 3 -> rotate3(basis[top], basis[top - 1], basis[top - 2], basis[top - 3], q, k0, k1);
                            case 2 -> rotate2(basis[top], basis[top - 1], basis[top - 2], q, k0, k1);
                            default -> rotate1(basis[top], basis[top - 1], q, k0, k1);
                        }
                    }
                }
            });
            size = 0;
        }

        // Rotation q acts on rows (lo, hi) = (index[q], index[q] + 1): hi ← s·lo + c·hi, lo ← c·lo − s·hi.
        // A chain applies rotations q, q+1, … to rows r0 = top, r1 = top−1, … in that order; the kernels
        // perform exactly the operations of applying them one at a time.

        private void rotate1(double[] r0, double[] r1, int q, int k0, int k1) {
            double c0 = cos[q];
            double s0 = sin[q];
            for (int k = k0; k < k1; k++) {
                double x0 = r0[k];
                double x1 = r1[k];
                r0[k] = s0 * x1 + c0 * x0;
                r1[k] = c0 * x1 - s0 * x0;
            }
        }

        private void rotate2(double[] r0, double[] r1, double[] r2, int q, int k0, int k1) {
            double c0 = cos[q];
            double s0 = sin[q];
            double c1 = cos[q + 1];
            double s1 = sin[q + 1];
            for (int k = k0; k < k1; k++) {
                double x0 = r0[k];
                double x1 = r1[k];
                double x2 = r2[k];
                r0[k] = s0 * x1 + c0 * x0;
                double t1 = c0 * x1 - s0 * x0;
                r1[k] = s1 * x2 + c1 * t1;
                r2[k] = c1 * x2 - s1 * t1;
            }
        }

        private void rotate3(double[] r0, double[] r1, double[] r2, double[] r3, int q, int k0, int k1) {
            double c0 = cos[q];
            double s0 = sin[q];
            double c1 = cos[q + 1];
            double s1 = sin[q + 1];
            double c2 = cos[q + 2];
            double s2 = sin[q + 2];
            for (int k = k0; k < k1; k++) {
                double x0 = r0[k];
                double x1 = r1[k];
                r0[k] = s0 * x1 + c0 * x0;
                double t1 = c0 * x1 - s0 * x0;
                double x2 = r2[k];
                r1[k] = s1 * x2 + c1 * t1;
                double t2 = c1 * x2 - s1 * t1;
                double x3 = r3[k];
                r2[k] = s2 * x3 + c2 * t2;
                r3[k] = c2 * x3 - s2 * t2;
            }
        }

        private void rotate4(double[] r0, double[] r1, double[] r2, double[] r3, double[] r4, int q, int k0,
                             int k1) {
            double c0 = cos[q];
            double s0 = sin[q];
            double c1 = cos[q + 1];
            double s1 = sin[q + 1];
            double c2 = cos[q + 2];
            double s2 = sin[q + 2];
            double c3 = cos[q + 3];
            double s3 = sin[q + 3];
            for (int k = k0; k < k1; k++) {
                double x0 = r0[k];
                double x1 = r1[k];
                r0[k] = s0 * x1 + c0 * x0;
                double t1 = c0 * x1 - s0 * x0;
                double x2 = r2[k];
                r1[k] = s1 * x2 + c1 * t1;
                double t2 = c1 * x2 - s1 * t1;
                double x3 = r3[k];
                r2[k] = s2 * x3 + c2 * t2;
                double t3 = c2 * x3 - s2 * t2;
                double x4 = r4[k];
                r3[k] = s3 * x4 + c3 * t3;
                r4[k] = c3 * x4 - s3 * t3;
            }
        }
    }
}
