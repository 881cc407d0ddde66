package dev.amend.kit.linalg;

import java.util.Random;

/** The symmetric inputs the torch path sends to the device, made whole in Java, and its random probe vectors. */
final class SymmetricMatrices {
    /** Seed of the probe vectors: the checks are deterministic and leave the engine's random state alone. */
    private static final long PROBE_SEED = 0x5EED_1A16L;

    private SymmetricMatrices() {
    }

    /** Returns the full symmetric matrix whose lower triangle is that of {@code a [n, n]}, or null if one is not finite. */
    static double[] fromLower(double[] a, int n) {
        LeastSquares.checkShape("matrix", a, n, n);
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = a[i * n + j];
                if (!Double.isFinite(x)) {
                    return null;
                }
                w[i * n + j] = x;
                w[j * n + i] = x;
            }
        }
        return w;
    }

    /** Returns {@code (a + aᵀ)/2} for {@code a [n, n]}, as {@link SymmetricEigen} reads it, or null if an entry is not finite. */
    static double[] averaged(double[] a, int n) {
        LeastSquares.checkShape("matrix", a, n, n);
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = a[i * n + j];
                double y = a[j * n + i];
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    return null;
                }
                double s = 0.5 * x + 0.5 * y;
                w[i * n + j] = s;
                w[j * n + i] = s;
            }
        }
        return w;
    }

    /** Returns {@code count} standard normal probe vectors as the columns of a row-major [n, count] matrix. */
    static double[] probes(int n, int count) {
        Random rnd = new Random(PROBE_SEED + n);
        double[] v = new double[n * count];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }
}
