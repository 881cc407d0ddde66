package dev.amend.kit.linalg;

import java.util.Random;

/** The symmetric inputs the torch path sends to the device, made whole in Java, and its random probe vectors. */
final class SymmetricMatrices {
    /** Seed of the probe vectors: the checks are deterministic and leave the engine's random state alone. */
    private static final long PROBE_SEED = 0x5EED_1A16L;

    private SymmetricMatrices() {
    }

    /** Tile of the blocked loops (both triangles of a tile stay in cache). */
    private static final int TILE = 64;

    /** Returns the full symmetric matrix whose lower triangle is that of {@code a [n, n]}, or null if one is not finite. */
    static double[] fromLower(double[] a, int n) {
        return symmetric(a, n, false);
    }

    /** Returns {@code (a + aᵀ)/2} for {@code a [n, n]}, as {@link SymmetricEigen} reads it, or null if an entry is not finite. */
    static double[] averaged(double[] a, int n) {
        return symmetric(a, n, true);
    }

    /** Returns the symmetric matrix from {@code a}'s lower triangle, or from both averaged; null on a non-finite entry. */
    private static double[] symmetric(double[] a, int n, boolean average) {
        LeastSquares.checkShape("matrix", a, n, n);
        double[] w = new double[n * n];
        for (int ib = 0; ib < n; ib += TILE) {
            int ie = Math.min(n, ib + TILE);
            for (int jb = 0; jb <= ib; jb += TILE) {
                int je = Math.min(n, jb + TILE);
                for (int i = ib; i < ie; i++) {
                    for (int j = jb; j < Math.min(je, i + 1); j++) {
                        double x = a[i * n + j];
                        double y = average ? a[j * n + i] : x;
                        if (!Double.isFinite(x) || !Double.isFinite(y)) {
                            return null;
                        }
                        double s = average ? 0.5 * x + 0.5 * y : x;
                        w[i * n + j] = s;
                        w[j * n + i] = s;
                    }
                }
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
