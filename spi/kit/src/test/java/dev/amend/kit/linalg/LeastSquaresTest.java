package dev.amend.kit.linalg;

import static dev.amend.kit.linalg.NullSpaceProjectorTest.gaussian;
import static dev.amend.kit.linalg.NullSpaceProjectorTest.mulRect;
import static dev.amend.kit.linalg.SymmetricEigenTest.frobenius;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.edit.WeightDelta;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {

    // -------------------------------------------------------------------------------- solvers

    @Test
    void choleskySolvesAndRefusesIndefiniteMatrices() {
        Random rnd = new Random(1);
        for (int n : new int[] {1, 7, 63, 64, 65, 150}) {
            double[] a = spd(n, n + 5, 0.1, rnd);
            Cholesky ch = Cholesky.of(a, n);
            double[] l = ch.lower();
            double[] llt = mulRect(l, n, n, transpose(l, n, n), n);
            assertArrayEquals(a, llt, 1e-12 * maxAbs(a), "L Lᵀ = A for n = " + n);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    assertEquals(0.0, l[i * n + j], 0.0);
                }
            }
            int cols = 37;
            double[] b = gaussian(n * cols, rnd);
            double[] x = ch.solve(b, cols);
            assertArrayEquals(b, mulRect(a, n, n, x, cols), 1e-10, "A X = B for n = " + n);
            double[] bv = gaussian(n, rnd);
            assertArrayEquals(bv, mulRect(a, n, n, ch.solve(bv), 1), 1e-10);
            assertEquals(Math.log(Math.abs(LuDecomposition.of(a, n).determinant())), ch.logDeterminant(), 1e-9);
        }
        double[] indefinite = {2, 0, 0, 0, -1, 0, 0, 0, 3};
        Cholesky.NotPositiveDefiniteException e = assertThrows(Cholesky.NotPositiveDefiniteException.class,
                () -> Cholesky.of(indefinite, 3));
        assertEquals(1, e.pivot());
        double[] singular = {1, 1, 1, 1};
        assertThrows(Cholesky.NotPositiveDefiniteException.class, () -> Cholesky.of(singular, 2));
    }

    @Test
    void luSolvesGeneralSystemsAndInverts() {
        Random rnd = new Random(2);
        for (int n : new int[] {1, 9, 64, 130}) {
            double[] a = gaussian(n * n, rnd);
            LuDecomposition lu = LuDecomposition.of(a, n);
            int cols = 40;
            double[] b = gaussian(n * cols, rnd);
            assertArrayEquals(b, mulRect(a, n, n, lu.solve(b, cols), cols), 1e-9, "A X = B for n = " + n);
            double[] bv = gaussian(n, rnd);
            assertArrayEquals(bv, mulRect(a, n, n, lu.solve(bv), 1), 1e-9);
            double[] inv = lu.inverse();
            assertArrayEquals(identity(n), mulRect(a, n, n, inv, n), 1e-9);
        }
        double[] swap = {0, 1, 1, 0};
        assertEquals(-1.0, LuDecomposition.of(swap, 2).determinant(), 0.0);
        assertEquals(-2.0, LuDecomposition.of(new double[] {1, 2, 3, 4}, 2).determinant(), 1e-15);
        assertThrows(ArithmeticException.class, () -> LuDecomposition.of(new double[] {1, 2, 2, 4}, 2));
    }

    // ----------------------------------------------------------------------------------- ROME

    @Test
    void rankOneInsertsTheValueAndLeavesTheWhitenedOrthogonalComplementAlone() {
        Random rnd = new Random(3);
        int dff = 50;
        int d = 20;
        double[] c = spd(dff, 200, 0.0, rnd);
        Cholesky cov = Cholesky.of(c, dff);
        double[] w = gaussian(d * dff, rnd);
        double[] kAvg = gaussian(dff, rnd);
        double[] kPlain = kAvg.clone();
        for (int i = 0; i < dff; i++) {
            kPlain[i] += 0.3 * rnd.nextGaussian();
        }
        double[] vStar = gaussian(d, rnd);

        // Corrected (R-ROME): the averaged key everywhere.
        double[] r = minus(vStar, mulRect(w, d, dff, kAvg, 1));
        LeastSquares.Update up = LeastSquares.rankOne(cov, kAvg, kAvg, r);
        assertTrue(up.isLowRank());
        assertEquals(1, up.rank());
        double[] edited = up.addTo(w.clone());
        assertArrayEquals(vStar, mulRect(edited, d, dff, kAvg, 1), 1e-9);

        // ROME's constraint: ΔW c = 0 whenever cᵀ C⁻¹ k = 0.
        double[] u = cov.solve(kAvg);
        assertArrayEquals(u, up.right(), 0);
        for (int t = 0; t < 5; t++) {
            double[] x = gaussian(dff, rnd);
            double s = dot(x, u) / dot(u, u);
            for (int i = 0; i < dff; i++) {
                x[i] -= s * u[i];
            }
            double[] dwx = up.apply(x);
            assertTrue(norm(dwx) <= 1e-12 * norm(r) * norm(x), "ΔW c = " + norm(dwx));
        }

        // Original ROME: residual and denominator with the plain key, direction from the averaged key.
        double[] rPlain = minus(vStar, mulRect(w, d, dff, kPlain, 1));
        LeastSquares.Update orig = LeastSquares.rankOne(cov, kAvg, kPlain, rPlain);
        assertArrayEquals(vStar, mulRect(orig.addTo(w.clone()), d, dff, kPlain, 1), 1e-9);
        double den = dot(u, kPlain);
        double[] expected = new double[d * dff];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < dff; j++) {
                expected[i * dff + j] = rPlain[i] * u[j] / den;
            }
        }
        assertArrayEquals(expected, orig.dense(), 1e-12);
        // Scaling u (ROME normalises it) does not change ΔW.
        double[] u3 = u.clone();
        for (int i = 0; i < dff; i++) {
            u3[i] *= 3.7;
        }
        assertArrayEquals(orig.dense(), LeastSquares.rankOne(rPlain, u3, kPlain).dense(), 1e-12);

        assertThrows(ArithmeticException.class,
                () -> LeastSquares.rankOne(r, new double[] {1, 0}, new double[] {0, 1}));
    }

    // ---------------------------------------------------------------------------------- MEMIT

    @Test
    void memitMatchesTheNormalEquationsAndZeroesTheGradient() {
        Random rnd = new Random(4);
        int dff = 40;
        int d = 12;
        double[] c = spd(dff, 38, 0.0, rnd);        // rank 38 < d_ff: only λC + K Kᵀ is PD
        for (int n : new int[] {5, 12, 25}) {
            double[] k = gaussian(dff * n, rnd);
            double[] r = gaussian(d * n, rnd);
            double lambda = 2.5;
            LeastSquares.Update up = LeastSquares.memit(k, r, c, dff, d, n, lambda);
            assertEquals(n < Math.min(d, dff), up.isLowRank(), "low-rank when n < min(d, d_ff), n = " + n);
            double[] dw = up.dense();

            // Reference: R Kᵀ (λC + K Kᵀ)⁻¹ with an explicit inverse.
            double[] a = mulRect(k, dff, n, transpose(k, dff, n), dff);
            for (int i = 0; i < a.length; i++) {
                a[i] += lambda * c[i];
            }
            double[] ref = mulRect(mulRect(r, d, n, transpose(k, dff, n), dff), d, dff,
                    LuDecomposition.of(a, dff).inverse(), dff);
            assertArrayEquals(ref, dw, 1e-10 * maxAbs(ref), "n = " + n);

            // ∇ of λ tr(ΔW C ΔWᵀ) + ‖ΔW K − R‖² is 2(λ ΔW C + (ΔW K − R) Kᵀ) = 0.
            double[] g1 = mulRect(dw, d, dff, c, dff);
            double[] e = minus(mulRect(dw, d, dff, k, n), r);
            double[] g2 = mulRect(e, d, n, transpose(k, dff, n), dff);
            double[] grad = new double[d * dff];
            for (int i = 0; i < grad.length; i++) {
                grad[i] = lambda * g1[i] + g2[i];
            }
            double scale = frobenius(mulRect(r, d, n, transpose(k, dff, n), dff));
            assertTrue(frobenius(grad) <= 1e-10 * scale, "‖∇‖ = " + frobenius(grad) + " vs " + scale);

            // and any perturbation raises the (convex) objective.
            double f0 = memitObjective(dw, k, r, c, lambda, dff, d, n);
            double[] pert = dw.clone();
            double[] z = gaussian(pert.length, rnd);
            for (int i = 0; i < pert.length; i++) {
                pert[i] += 1e-3 * z[i];
            }
            assertTrue(memitObjective(pert, k, r, c, lambda, dff, d, n) > f0);
        }
    }

    @Test
    void memitExplainsAnIllPosedSystem() {
        Random rnd = new Random(5);
        int dff = 30;
        int n = 4;
        double[] c = spd(dff, 10, 0.0, rnd);          // rank 10 < d_ff
        Cholesky.NotPositiveDefiniteException e = assertThrows(Cholesky.NotPositiveDefiniteException.class,
                () -> LeastSquares.memit(gaussian(dff * n, rnd), gaussian(8 * n, rnd), c, dff, 8, n, 1.0));
        assertTrue(e.getMessage().contains("raise mom2_update_weight"), e.getMessage());
        assertTrue(e.getMessage().contains("collect more covariance statistics"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LeastSquares.memit(new double[3], new double[3], c, dff, 8, n, 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> LeastSquares.memit(gaussian(dff * n, rnd), gaussian(8 * n, rnd), c, dff, 8, n, -1.0));
    }

    @Test
    void memitTiming() {
        Random rnd = new Random(6);
        int dff = 1024;
        int d = 256;
        int n = 100;
        double[] z = gaussian(dff * 256, rnd);
        double[] c = Blas.mulTransB(z, dff, 256, z, dff);   // rank 256 + ridge
        for (int i = 0; i < dff; i++) {
            c[i * dff + i] += 1.0;
        }
        double[] k = gaussian(dff * n, rnd);
        double[] r = gaussian(d * n, rnd);
        LeastSquares.memit(gaussian(128 * 8, rnd), gaussian(16 * 8, rnd), spd(128, 200, 0.1, rnd), 128, 16, 8, 1);
        long t0 = System.nanoTime();
        LeastSquares.Update up = LeastSquares.memit(k, r, c, dff, d, n, 15000);
        long t1 = System.nanoTime();
        System.out.printf("MEMIT d_ff=%d d=%d n=%d: %.3f s%n", dff, d, n, (t1 - t0) / 1e9);
        assertTrue(up.isLowRank());
        assertEquals((long) (d + dff) * n, up.storedDoubles());
    }

    // ------------------------------------------------------------------------------ AlphaEdit

    @Test
    void alphaEditSolvesItsSystemAndStaysInTheNullSpace() {
        Random rnd = new Random(7);
        int dff = 48;
        int d = 10;
        int n = 4;
        double threshold = 2e-2;
        double[] q = SymmetricEigenTest.randomOrthogonal(dff, rnd);
        double[] lambda = new double[dff];
        for (int i = 0; i < dff; i++) {
            lambda[i] = i < 20 ? 0.01 * rnd.nextDouble() : 0.1 + 5 * rnd.nextDouble();
        }
        double[] c = SymmetricEigenTest.withSpectrum(q, lambda, dff);
        NullSpaceProjector p = NullSpaceProjector.of(c, dff, threshold);
        assertEquals(20, p.rank());
        double[] pd = p.dense();
        double[] k = gaussian(dff * n, rnd);
        double[] r = gaussian(d * n, rnd);
        double[] kPrev = gaussian(dff * 6, rnd);
        double[] prevGram = ProjectedLeastSquares.accumulateKeyGram(new double[dff * dff], kPrev, dff, 6);
        assertArrayEquals(mulRect(kPrev, dff, 6, transpose(kPrev, dff, 6), dff), prevGram, 1e-12);
        double alpha = 10;

        for (double[] prev : new double[][] {null, prevGram}) {
            LeastSquares.Update up = ProjectedLeastSquares.alphaEdit(p, k, r, prev, d, n, alpha);
            assertEquals(n < Math.min(d, dff), up.isLowRank(), "rank-n factors when n is smaller than the weight");
            double[] dw = up.dense();
            double[] x = transpose(dw, d, dff);                            // X [d_ff, d]

            // (P (K Kᵀ + K_p K_pᵀ) + α I) X = P K Rᵀ
            double[] g = mulRect(k, dff, n, transpose(k, dff, n), dff);
            if (prev != null) {
                for (int i = 0; i < g.length; i++) {
                    g[i] += prev[i];
                }
            }
            double[] m = mulRect(pd, dff, dff, g, dff);
            for (int i = 0; i < dff; i++) {
                m[i * dff + i] += alpha;
            }
            double[] rhs = mulRect(mulRect(pd, dff, dff, k, n), dff, n, transpose(r, d, n), d);
            assertArrayEquals(rhs, mulRect(m, dff, dff, x, d), 1e-10 * maxAbs(rhs), "the linear system");

            // α X = P (K Rᵀ − G X), so X = P X and ΔW (I − P) = 0 exactly (up to rounding).
            double[] dwp = mulRect(dw, d, dff, pd, dff);
            assertArrayEquals(dw, dwp, 1e-12 * maxAbs(dw), "ΔW P = ΔW");
            // Hence ΔW u = 0 for every preserved eigenvector (λ ≥ threshold) ...
            for (int j = 20; j < dff; j++) {
                double[] uj = new double[dff];
                for (int i = 0; i < dff; i++) {
                    uj[i] = q[i * dff + j];
                }
                assertTrue(norm(up.apply(uj)) <= 1e-12 * frobenius(dw), "ΔW u_" + j);
            }
            // ... and ‖ΔW C‖ ≤ threshold·‖ΔW‖ for the preserved keys' covariance.
            assertTrue(frobenius(mulRect(dw, d, dff, c, dff)) <= threshold * frobenius(dw));

            // Same X from the reduced SPD system in the null-space basis U: (Uᵀ G U + α I) Y = Uᵀ K Rᵀ, X = U Y.
            SymmetricEigen e = SymmetricEigen.of(c, dff);
            int rk = p.rank();
            double[] v = e.vectors();
            double[] u = new double[dff * rk];
            for (int i = 0; i < dff; i++) {
                for (int j = 0; j < rk; j++) {
                    u[i * rk + j] = v[i * dff + j];
                }
            }
            double[] ut = transpose(u, dff, rk);
            double[] red = mulRect(mulRect(ut, rk, dff, g, dff), rk, dff, u, rk);
            for (int i = 0; i < rk; i++) {
                red[i * rk + i] += alpha;
            }
            double[] y = Cholesky.of(red, rk).solve(mulRect(ut, rk, dff, mulRect(k, dff, n, transpose(r, d, n), d),
                    d), d);
            assertArrayEquals(mulRect(u, dff, rk, y, d), x, 1e-10 * maxAbs(x), "reduced-system cross-check");

            // Low-rank and dense storage of P give the same update.
            NullSpaceProjector pDense = NullSpaceProjector.fromEigen(e, threshold, NullSpaceProjector.Storage.DENSE);
            assertArrayEquals(dw, ProjectedLeastSquares.alphaEdit(pDense, k, r, prev, d, n, alpha).dense(),
                    1e-10 * maxAbs(dw));
        }
        // α = 0 leaves P G singular (rank ≤ r < d_ff).
        assertThrows(ArithmeticException.class, () -> ProjectedLeastSquares.alphaEdit(p, k, r, null, d, n, 0));
    }

    @Test
    void alphaEditFromAProjectedHistoryGrownKeyByKeyMatchesTheRawHistory() {
        Random rnd = new Random(11);
        int dff = 40;
        int d = 8;
        double[] q = SymmetricEigenTest.randomOrthogonal(dff, rnd);
        double[] lambda = new double[dff];
        for (int i = 0; i < dff; i++) {
            lambda[i] = i < 25 ? 0.01 * rnd.nextDouble() : 0.1 + rnd.nextDouble();
        }
        NullSpaceProjector p = NullSpaceProjector.of(SymmetricEigenTest.withSpectrum(q, lambda, dff), dff, 2e-2);
        double[] raw = new double[dff * dff];
        double[] projected = new double[dff * dff];
        for (int edit = 0; edit < 5; edit++) {               // five earlier edits of 3 keys each
            double[] kPrev = gaussian(dff * 3, rnd);
            ProjectedLeastSquares.accumulateKeyGram(raw, kPrev, dff, 3);
            ProjectedLeastSquares.accumulateProjectedKeyGram(projected, p, kPrev, 3);
        }
        double[] pd = p.dense();
        double[] reference = mulRect(mulRect(pd, dff, dff, raw, dff), dff, dff, pd, dff);
        assertArrayEquals(reference, projected, 1e-12 * maxAbs(reference), "Σ (P k)(P k)ᵀ = P (Σ k kᵀ) P");
        assertArrayEquals(reference, ProjectedLeastSquares.projectGram(p, raw), 1e-12 * maxAbs(reference));
        for (int n : new int[] {3, 12}) {                     // low-rank (n < d) and dense updates
            double[] k = gaussian(dff * n, rnd);
            double[] r = gaussian(d * n, rnd);
            double[] fromRaw = ProjectedLeastSquares.alphaEdit(p, k, r, raw, d, n, 2).dense();
            double[] fromProjected = ProjectedLeastSquares.alphaEditProjected(p, k, r, projected, d, n, 2).dense();
            assertArrayEquals(fromRaw, fromProjected, 1e-10 * maxAbs(fromRaw), "n = " + n);
        }
        assertThrows(IllegalArgumentException.class,
                () -> ProjectedLeastSquares.alphaEditProjected(p, gaussian(dff, rnd), gaussian(d, rnd), new double[4], d, 1, 1));
    }

    // --------------------------------------------------------------------------------- Update

    @Test
    void updatesConvertToWeightDeltasAndApplyConsistently() {
        Random rnd = new Random(8);
        LeastSquares.Update low = LeastSquares.Update.lowRank(3, 4, 2, gaussian(6, rnd), gaussian(8, rnd));
        double[] dense = low.dense();
        double[] x = gaussian(4, rnd);
        assertArrayEquals(mulRect(dense, 3, 4, x, 1), low.apply(x), 1e-14);
        WeightDelta wd = low.toWeightDelta("w");
        assertInstanceOf(WeightDelta.LowRank.class, wd);
        float[] f = wd.toDense();
        for (int i = 0; i < dense.length; i++) {
            assertEquals(dense[i], f[i], 1e-5);
        }
        LeastSquares.Update dn = LeastSquares.Update.dense(3, 4, dense);
        assertInstanceOf(WeightDelta.Dense.class, dn.toWeightDelta("w"));
        assertArrayEquals(low.apply(x), dn.apply(x), 1e-14);
        assertEquals(12, dn.storedDoubles());
        assertEquals(14, low.storedDoubles());
        assertThrows(IllegalStateException.class, dn::left);
    }

    // -------------------------------------------------------------------------------- helpers

    private static double memitObjective(double[] dw, double[] k, double[] r, double[] c, double lambda,
                                         int dff, int d, int n) {
        double[] dc = mulRect(dw, d, dff, c, dff);
        double reg = 0;
        for (int i = 0; i < dw.length; i++) {
            reg += dw[i] * dc[i];
        }
        double fit = Math.pow(frobenius(minus(mulRect(dw, d, dff, k, n), r)), 2);
        return lambda * reg + fit;
    }

    /** Returns Z Zᵀ / m + ridge·I for a Gaussian Z [n, m] (rank min(n, m) plus the ridge). */
    static double[] spd(int n, int m, double ridge, Random rnd) {
        double[] z = gaussian(n * m, rnd);
        double[] a = mulRect(z, n, m, transpose(z, n, m), n);
        for (int i = 0; i < a.length; i++) {
            a[i] /= m;
        }
        for (int i = 0; i < n; i++) {
            a[i * n + i] += ridge;
        }
        return a;
    }

    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j * m + i] = a[i * n + j];
            }
        }
        return t;
    }

    static double[] identity(int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 1;
        }
        return a;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] - b[i];
        }
        return c;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
