package dev.amend.kit.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void randomSymmetricMatricesAreDiagonalisedByAnOrthonormalBasis() {
        for (int n : new int[] {5, 50, 300}) {
            double[] a = randomSymmetric(n, new Random(17 + n));
            SymmetricEigen e = SymmetricEigen.of(a, n);
            assertDecomposes(a, n, e, 1e-9);
        }
    }

    @Test
    void tridiagonalToeplitzMatchesItsClosedFormSpectrum() {
        int n = 200;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 2;
            if (i + 1 < n) {
                a[i * n + i + 1] = -1;
                a[(i + 1) * n + i] = -1;
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a, n);
        for (int k = 1; k <= n; k++) {
            double expected = 2 - 2 * Math.cos(k * Math.PI / (n + 1));
            assertEquals(expected, e.value(k - 1), 1e-13, "eigenvalue " + k);
        }
        // The eigenvectors are sin(i k π/(n+1)) up to sign and normalisation.
        for (int k : new int[] {1, 7, n}) {
            double[] v = e.vector(k - 1);
            double norm = Math.sqrt(2.0 / (n + 1));
            double sign = Math.signum(v[0]);
            for (int i = 0; i < n; i++) {
                assertEquals(norm * Math.sin((i + 1) * k * Math.PI / (n + 1)), sign * v[i], 1e-12);
            }
        }
        assertDecomposes(a, n, e, 1e-12);
    }

    @Test
    void repeatedEigenvaluesKeepAnOrthonormalBasisOfEachEigenspace() {
        int n = 40;
        double[] spectrum = new double[n];
        for (int i = 0; i < n; i++) {
            spectrum[i] = i < 10 ? 1.0 : i < 25 ? -3.0 : i < 26 ? 0.0 : 7.5;   // multiplicities 10, 15, 1, 14
        }
        double[] q = randomOrthogonal(n, new Random(5));
        double[] a = withSpectrum(q, spectrum, n);
        SymmetricEigen e = SymmetricEigen.of(a, n);
        double[] sorted = spectrum.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(sorted, e.values(), 1e-13);
        assertDecomposes(a, n, e, 1e-12);

        double[] identity = new double[n * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 3;
        }
        SymmetricEigen ie = SymmetricEigen.of(identity, n);
        for (int i = 0; i < n; i++) {
            assertEquals(3.0, ie.value(i), 0);
        }
        assertDecomposes(identity, n, ie, 1e-15);

        SymmetricEigen zero = SymmetricEigen.of(new double[n * n], n);
        assertDecomposes(new double[n * n], n, zero, 0);
    }

    @Test
    void aGradedCovarianceKeepsItsTinyEigenvaluesToAbsoluteAccuracy() {
        int n = 60;
        double[] spectrum = new double[n];
        for (int i = 0; i < n; i++) {
            spectrum[i] = Math.pow(10, -12 + 14.0 * i / (n - 1));   // 1e-12 .. 1e2
        }
        double[] a = withSpectrum(randomOrthogonal(n, new Random(9)), spectrum, n);
        SymmetricEigen e = SymmetricEigen.of(a, n);
        for (int i = 0; i < n; i++) {
            assertEquals(spectrum[i], e.value(i), 1e-12 * 100, "eigenvalue " + i);
        }
        assertDecomposes(a, n, e, 1e-9);
    }

    @Test
    void rankDeficientCovariancesConvergeWithTheirNullSpace() {
        // A sample covariance with fewer samples than dimensions: a cluster of rounding-level eigenvalues
        // (a purely relative deflation test stalls on it).
        for (int[] shape : new int[][] {{300, 30}, {200, 100}}) {
            int n = shape[0];
            int m = shape[1];
            double[] c = sampleCovariance(n, m, new Random(n + m));
            SymmetricEigen e = SymmetricEigen.of(c, n);
            assertDecomposes(c, n, e, 1e-12);
            double top = e.value(n - 1);
            for (int i = 0; i < n - m; i++) {
                assertTrue(Math.abs(e.value(i)) <= 1e-13 * top, "null eigenvalue " + e.value(i));
            }
            assertTrue(e.value(n - m) > 1e-6 * top, "rank " + m);
        }
    }

    @Test
    void smallOrdersAndDeterminism() {
        SymmetricEigen one = SymmetricEigen.of(new double[] {-4.5}, 1);
        assertArrayEquals(new double[] {-4.5}, one.values(), 0);
        assertArrayEquals(new double[] {1}, one.vectors(), 0);

        double[] two = {2, 1, 1, 2};
        SymmetricEigen e2 = SymmetricEigen.of(two, 2);
        assertArrayEquals(new double[] {1, 3}, e2.values(), 1e-15);
        assertDecomposes(two, 2, e2, 1e-15);

        double[] a = randomSymmetric(257, new Random(3));
        SymmetricEigen x = SymmetricEigen.of(a, 257);
        SymmetricEigen y = SymmetricEigen.of(a, 257);
        assertArrayEquals(x.values(), y.values(), 0);
        assertArrayEquals(x.vectors(), y.vectors(), 0);
        assertEquals(257, x.dim());
        assertEquals(x.countBelow(0.0), (int) java.util.Arrays.stream(x.values()).filter(v -> v < 0).count());
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[5], 2));
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[] {1, Double.NaN, 0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[0], 0));
    }

    @Test
    void order1024Timing() {
        int n = 1024;
        double[] a = randomSymmetric(n, new Random(1024));
        SymmetricEigen.of(randomSymmetric(128, new Random(1)), 128);   // warm up the JIT a little
        long t0 = System.nanoTime();
        SymmetricEigen e = SymmetricEigen.of(a, n);
        long t1 = System.nanoTime();
        System.out.printf("SymmetricEigen n=%d: %.2f s on %d cores%n", n, (t1 - t0) / 1e9,
                Runtime.getRuntime().availableProcessors());
        // Spot-check a few eigenpairs (O(n²) each) and ascending order.
        double norm = frobenius(a);
        for (int j : new int[] {0, 1, 100, 511, 512, 900, 1022, 1023}) {
            double[] v = e.vector(j);
            double res = 0;
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += a[i * n + k] * v[k];
                }
                double r = s - e.value(j) * v[i];
                res += r * r;
            }
            assertTrue(Math.sqrt(res) <= 1e-10 * norm, "eigenpair " + j + " residual " + Math.sqrt(res));
        }
        for (int j = 1; j < n; j++) {
            assertTrue(e.value(j - 1) <= e.value(j));
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Checks ‖A V − V Λ‖_F ≤ tol·‖A‖_F, VᵀV = I and ascending values. */
    static void assertDecomposes(double[] a, int n, SymmetricEigen e, double tol) {
        double[] v = e.vectors();
        double[] lam = e.values();
        assertEquals(n, lam.length);
        for (int j = 1; j < n; j++) {
            assertTrue(lam[j - 1] <= lam[j], "values ascending at " + j);
        }
        double res = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += a[i * n + k] * v[k * n + j];
                }
                double r = s - v[i * n + j] * lam[j];
                res += r * r;
            }
        }
        double an = frobenius(a);
        assertTrue(Math.sqrt(res) <= tol * an, "‖AV − VΛ‖ = " + Math.sqrt(res) + " for ‖A‖ = " + an);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += v[k * n + i] * v[k * n + j];
                }
                worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
            }
        }
        assertTrue(worst <= 1e-12 * Math.max(1, n / 50.0), "VᵀV − I max " + worst);
    }

    static double frobenius(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static double[] randomSymmetric(int n, Random rnd) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = rnd.nextGaussian();
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        return a;
    }

    /** Returns Z Zᵀ / m for Z [n, m] with Gaussian columns of decaying scale (rank m). */
    static double[] sampleCovariance(int n, int m, Random rnd) {
        double[] z = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                z[i * m + j] = rnd.nextGaussian() * Math.exp(-3.0 * j / m);
            }
        }
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k <= i; k++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += z[i * m + j] * z[k * m + j];
                }
                c[i * n + k] = s / m;
                c[k * n + i] = s / m;
            }
        }
        return c;
    }

    /** Returns a random orthogonal n×n matrix (modified Gram–Schmidt, twice, on a Gaussian matrix). */
    static double[] randomOrthogonal(int n, Random rnd) {
        double[][] cols = new double[n][n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                cols[j][i] = rnd.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < j; p++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += cols[p][i] * cols[j][i];
                    }
                    for (int i = 0; i < n; i++) {
                        cols[j][i] -= s * cols[p][i];
                    }
                }
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += cols[j][i] * cols[j][i];
            }
            double inv = 1 / Math.sqrt(s);
            for (int i = 0; i < n; i++) {
                cols[j][i] *= inv;
            }
        }
        double[] q = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                q[i * n + j] = cols[j][i];
            }
        }
        return q;
    }

    /** Returns Q diag(λ) Qᵀ, exactly symmetric. */
    static double[] withSpectrum(double[] q, double[] lambda, int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += q[i * n + k] * lambda[k] * q[j * n + k];
                }
                a[i * n + j] = s;
                a[j * n + i] = s;
            }
        }
        return a;
    }
}
