package dev.amend.kit.linalg;

import static dev.amend.kit.linalg.NullSpaceProjectorTest.gaussian;
import static dev.amend.kit.linalg.NullSpaceProjectorTest.mulRect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ridge update {@code ΔW = R Kᵀ (λI + K Kᵀ)⁻¹} against a hand-computed case and against the same problem solved
 * another way: the d_ff-sized normal equations {@code (λI + K Kᵀ) ΔWᵀ = K Rᵀ} by an LU decomposition.
 */
class RidgeUpdateTest {

    @Test
    void oneKeyOfOneDimensionIsTheScalarFormula() {
        // d_ff = d = n = 1: ΔW = r k / (λ + k²) = 6 · 2 / (1 + 4)
        LeastSquares.Update u = LeastSquares.ridge(new double[] {2}, new double[] {6}, 1, 1, 1, 1.0,
                LinearAlgebra.java());
        assertEquals(12.0 / 5.0, u.dense()[0], 1e-15);
        // two orthogonal keys e1, 2·e2 in d_ff = 2, d = 1: ΔW = [r1 / (λ + 1), 2 r2 / (λ + 4)]
        LeastSquares.Update two = LeastSquares.ridge(new double[] {1, 0, 0, 2}, new double[] {3, 5}, 2, 1, 2, 0.5,
                LinearAlgebra.java());
        assertArrayEquals(new double[] {3 / 1.5, 10 / 4.5}, two.dense(), 1e-14);
    }

    @Test
    void agreesWithTheNormalEquationsSolvedByLu() {
        Random rnd = new Random(11);
        int[][] shapes = {{40, 12, 3}, {40, 12, 20}, {16, 30, 50}, {24, 8, 24}};   // low rank, dense, n > d_ff, n = d_ff
        for (int[] s : shapes) {
            int dff = s[0];
            int d = s[1];
            int n = s[2];
            double lambda = 0.7;
            double[] k = gaussian(dff * n, rnd);
            double[] r = gaussian(d * n, rnd);
            LeastSquares.Update u = LeastSquares.ridge(k, r, dff, d, n, lambda, LinearAlgebra.java());
            assertEquals(n < Math.min(d, dff), u.isLowRank(), "storage for " + java.util.Arrays.toString(s));
            double[] a = mulRect(k, dff, n, Blas.transpose(k, dff, n), dff);           // K Kᵀ + λI
            for (int i = 0; i < dff; i++) {
                a[i * dff + i] += lambda;
            }
            double[] krt = mulRect(k, dff, n, Blas.transpose(r, d, n), d);           // K Rᵀ [d_ff, d]
            double[] expected = Blas.transpose(LuDecomposition.of(a, dff).solve(krt, d), dff, d);
            assertArrayEquals(expected, u.dense(), 1e-10, "ΔW for " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void refusesANonPositiveRidgeAndShapesThatDoNotFit() {
        double[] k = {1, 2};
        double[] r = {1};
        assertThrows(IllegalArgumentException.class, () -> LeastSquares.ridge(k, r, 2, 1, 1, 0, LinearAlgebra.java()));
        assertThrows(IllegalArgumentException.class,
                () -> LeastSquares.ridge(k, r, 2, 1, 1, Double.NaN, LinearAlgebra.java()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LeastSquares.ridge(k, r, 3, 1, 1, 1, LinearAlgebra.java()));
        assertTrue(e.getMessage().contains("keys"), e.getMessage());
    }
}
