package dev.amend.kit.linalg;

/**
 * The second step of {@link SymmetricEigen}: the implicit QL iteration with Wilkinson shifts on a symmetric
 * tridiagonal matrix. The plane rotations of the sweeps depend only on T, so they are recorded in a buffer and
 * applied to the basis in column stripes that stay in cache, stripe by stripe in parallel; every element is
 * computed by the same sequence of floating-point operations whatever the number of threads.
 */
final class TridiagonalQl {
    /** Unit roundoff of float64 (2⁻⁵²). */
    private static final double EPS = Math.ulp(1.0);
    /** QL iterations allowed per eigenvalue before giving up. */
    private static final int MAX_ITERATIONS = 60;
    /** Columns of the basis that one thread rotates at a time (a stripe of n × STRIPE doubles). */
    private static final int STRIPE = 64;
    /** Most rotations buffered before they are applied to the basis. */
    private static final int ROTATION_BUFFER = 1 << 20;

    private TridiagonalQl() {
    }

    /**
     * Implicit QL with Wilkinson shifts on the tridiagonal (d, e); d ends as the eigenvalues (unsorted)
     * and the rotations are applied to the rows of {@code basis}, which end as the eigenvectors.
     */
    static void ql(double[] d, double[] e, double[][] basis, int n) {
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
