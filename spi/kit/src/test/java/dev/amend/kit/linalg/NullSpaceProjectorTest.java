package dev.amend.kit.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NullSpaceProjectorTest {
    private static final int N = 60;
    private static final int SMALL = 17;

    /** Eigenvalues: 17 below 2e-2 (some exactly zero), the rest in [0.05, 10]. */
    private static double[] spectrum(Random rnd) {
        double[] l = new double[N];
        for (int i = 0; i < N; i++) {
            l[i] = i < 3 ? 0 : i < SMALL ? 0.019 * rnd.nextDouble() : 0.05 + 10 * rnd.nextDouble();
        }
        return l;
    }

    @Test
    void theProjectorIsTheOrthogonalProjectorOntoTheSmallEigenspace() {
        Random rnd = new Random(11);
        double[] q = SymmetricEigenTest.randomOrthogonal(N, rnd);
        double[] lambda = spectrum(rnd);
        double[] c = SymmetricEigenTest.withSpectrum(q, lambda, N);
        NullSpaceProjector p = NullSpaceProjector.of(c, N);
        assertEquals(NullSpaceProjector.DEFAULT_THRESHOLD, p.threshold());
        assertEquals(SMALL, p.rank());
        assertEquals(N, p.dim());
        assertTrue(p.isLowRank(), "17 < 60/2 is stored as U");
        assertEquals((long) N * SMALL, p.storedDoubles());

        double[] pd = p.dense();
        double[] p2 = mul(pd, pd, N);
        assertArrayEquals(pd, p2, 1e-13, "P² = P");
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(pd[i * N + j], pd[j * N + i], 0.0, "Pᵀ = P");
            }
        }
        double trace = 0;
        for (int i = 0; i < N; i++) {
            trace += pd[i * N + i];
        }
        assertEquals(SMALL, trace, 1e-12, "tr P = rank");
        double inside = 0;
        double total = 0;
        for (double l : lambda) {
            inside += l < p.threshold() ? l : 0;
            total += l;
        }
        assertEquals(inside / total, p.energy(), 1e-12, "energy = Σ small eigenvalues / Σ all");
        assertEquals(inside / total, traceOfProduct(pd, c, N) / traceOfProduct(identity(N), c, N), 1e-10,
                "energy = tr(P C) / tr(C)");
        assertTrue(p.energy() > 0 && p.energy() < 0.01, "17 eigenvalues below 0.02 against 43 of 0.05-10");

        double cp = SymmetricEigenTest.frobenius(mul(c, pd, N));
        assertTrue(cp <= p.threshold() * SymmetricEigenTest.frobenius(pd), "‖C P‖ = " + cp);

        // P fixes the small eigenvectors and annihilates the large ones.
        for (int k = 0; k < N; k++) {
            double[] qk = new double[N];
            for (int i = 0; i < N; i++) {
                qk[i] = q[i * N + k];
            }
            double[] pq = p.apply(qk);
            for (int i = 0; i < N; i++) {
                assertEquals(lambda[k] < p.threshold() ? qk[i] : 0.0, pq[i], 1e-12, "P q_" + k);
            }
        }
    }

    @Test
    void lowRankAndDenseStorageProjectAlike() {
        Random rnd = new Random(12);
        double[] c = SymmetricEigenTest.withSpectrum(SymmetricEigenTest.randomOrthogonal(N, rnd), spectrum(rnd), N);
        SymmetricEigen e = SymmetricEigen.of(c, N);
        NullSpaceProjector low = NullSpaceProjector.fromEigen(e, 2e-2, NullSpaceProjector.Storage.LOW_RANK);
        NullSpaceProjector dense = NullSpaceProjector.fromEigen(e, 2e-2, NullSpaceProjector.Storage.DENSE);
        assertTrue(low.isLowRank());
        assertFalse(dense.isLowRank());
        assertEquals((long) N * N, dense.storedDoubles());
        assertEquals(low.rank(), dense.rank());
        assertArrayEquals(low.dense(), dense.dense(), 1e-14);

        int cols = 7;
        double[] m = gaussian(N * cols, rnd);
        double[] pmLow = low.project(m, N, cols);
        double[] pmDense = dense.project(m, N, cols);
        assertArrayEquals(pmDense, pmLow, 1e-12);
        assertArrayEquals(mulRect(dense.dense(), N, N, m, cols), pmDense, 1e-12);

        int rows = 5;
        double[] mr = gaussian(rows * N, rnd);
        double[] mpLow = low.projectRight(mr, rows, N);
        double[] mpDense = dense.projectRight(mr, rows, N);
        assertArrayEquals(mpDense, mpLow, 1e-12);
        assertArrayEquals(mulRect(mr, rows, N, dense.dense(), N), mpDense, 1e-12);

        double[] x = gaussian(N, rnd);
        assertArrayEquals(dense.apply(x), low.apply(x), 1e-12);
        assertArrayEquals(mulRect(dense.dense(), N, N, x, 1), dense.apply(x), 1e-12);

        assertThrows(IllegalArgumentException.class, () -> low.project(m, N - 1, cols));
        assertThrows(IllegalArgumentException.class, () -> low.projectRight(mr, rows, N + 1));
    }

    @Test
    void storageFollowsTheRankAndTheExtremesAreZeroAndIdentity() {
        Random rnd = new Random(13);
        double[] q = SymmetricEigenTest.randomOrthogonal(N, rnd);
        double[] lambda = new double[N];
        for (int i = 0; i < N; i++) {
            lambda[i] = i < 40 ? 1e-3 : 1.0;
        }
        NullSpaceProjector big = NullSpaceProjector.of(SymmetricEigenTest.withSpectrum(q, lambda, N), N, 2e-2);
        assertEquals(40, big.rank());
        assertFalse(big.isLowRank(), "40 ≥ 60/2 is stored densely");

        double[] c = SymmetricEigenTest.withSpectrum(q, spectrum(rnd), N);
        NullSpaceProjector none = NullSpaceProjector.of(c, N, -1.0);
        assertEquals(0, none.rank());
        assertArrayEquals(new double[N * N], none.dense(), 0);
        assertArrayEquals(new double[N * 3], none.project(gaussian(N * 3, rnd), N, 3), 0);
        assertEquals(0, none.storedDoubles());

        NullSpaceProjector all = NullSpaceProjector.of(c, N, 1e9);
        assertEquals(N, all.rank());
        double[] pd = all.dense();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(i == j ? 1 : 0, pd[i * N + j], 1e-13);
            }
        }
    }

    @Test
    void aSampleCovarianceProjectsOntoTheComplementOfTheSampledKeys() {
        int n = 120;
        int m = 40;
        Random rnd = new Random(14);
        double[] c = SymmetricEigenTest.sampleCovariance(n, m, rnd);
        NullSpaceProjector p = NullSpaceProjector.of(c, n, 1e-9);
        assertEquals(n - m, p.rank(), "the null space of a rank-m covariance");
        assertFalse(p.isLowRank());
        double cp = SymmetricEigenTest.frobenius(mul(c, p.dense(), n));
        assertTrue(cp <= 1e-9 * SymmetricEigenTest.frobenius(p.dense()), "‖C P‖ = " + cp);
    }

    // ------------------------------------------------------------------------------------ helpers

    static double[] gaussian(int len, Random rnd) {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    static double[] mul(double[] a, double[] b, int n) {
        return mulRect(a, n, n, b, n);
    }

    /** Naive A B for A [m, k], B [k, n]. */
    static double[] mulRect(double[] a, int m, int k, double[] b, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    private static double traceOfProduct(double[] a, double[] b, int n) {
        double t = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                t += a[i * n + k] * b[k * n + i];
            }
        }
        return t;
    }

    private static double[] identity(int n) {
        double[] e = new double[n * n];
        for (int i = 0; i < n; i++) {
            e[i * n + i] = 1;
        }
        return e;
    }
}
