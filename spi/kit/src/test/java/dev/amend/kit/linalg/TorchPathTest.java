package dev.amend.kit.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.amend.kit.linalg.LinearAlgebra.Operation;
import dev.amend.kit.linalg.LinearAlgebra.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The torch path of the kit's linear algebra against the Java path, on PyTorch's CPU device. */
class TorchPathTest {
    private static final double TAU = NullSpaceProjector.DEFAULT_THRESHOLD;
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * Eigenvalues spread over 1e-6..1e3 as in transformer key covariances, with pairs at relative distance
     * {@code gap} on both sides of the threshold: {@code τ(1 ± gap)}.
     */
    static double[] straddling(int n, double gap, Random rnd) {
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = Math.pow(10, -6 + 9 * rnd.nextDouble());
        }
        l[0] = 0;
        l[1] = 1e3;
        l[2] = TAU * (1 - gap);
        l[3] = TAU * (1 + gap);
        l[4] = TAU * (1 - 10 * gap);
        l[5] = TAU * (1 + 10 * gap);
        return l;
    }

    /**
     * Both paths find each eigenvector of C only to about ε·λ_max/|λ − τ| (its sensitivity), so they agree within a
     * small multiple of that, and exactly in rank, down to eigenvalues 2e-12·λ_max from the threshold.
     */
    @Test
    void theProjectorReproducesTheEigenvalueThresholdRule() {
        int n = 240;
        for (double gap : new double[] {1e-1, 1e-4, 1e-7}) {
            Random rnd = new Random(7);
            double[] lambda = straddling(n, gap, rnd);
            double[] c = SymmetricEigenTest.withSpectrum(SymmetricEigenTest.randomOrthogonal(n, rnd), lambda, n);
            NullSpaceProjector eigen = NullSpaceProjector.of(c, n, TAU);
            NullSpaceProjector torch = SignIteration.projector(manager, c, n, TAU);
            assertNotNull(torch, "the sign iteration converges and passes its checks at gap " + gap);
            assertEquals(Arrays.stream(lambda).filter(l -> l < TAU).count(), eigen.rank());
            assertEquals(eigen.rank(), torch.rank(), "same rank at gap " + gap);
            assertFalse(torch.isLowRank(), "the torch path stores P dense");
            double sensitivity = Math.ulp(1.0) * 1e3 / (gap * TAU);
            double err = maxAbsDiff(eigen.dense(), torch.dense());
            assertTrue(err < Math.max(1e-10, 100 * sensitivity), "gap " + gap + ": P differs by " + err);
            assertEquals(eigen.energy(), torch.energy(), 1e-12);
        }
    }

    @Test
    void anEigenvalueExactlyAtTheThresholdFallsBackToTheJavaRule() {
        int n = 64;
        double[] c = new double[n * n];
        Random rnd = new Random(3);
        double[] lambda = straddling(n, 1e-2, rnd);
        lambda[6] = TAU;
        for (int i = 0; i < n; i++) {
            c[i * n + i] = lambda[i];
        }
        assertNull(SignIteration.projector(manager, c, n, TAU), "τI − C is singular: no device result");
        NullSpaceProjector p = LinearAlgebra.forced(manager, Path.TORCH).nullSpace(c, n, TAU);
        assertEquals(Arrays.stream(lambda).filter(l -> l < TAU).count(), p.rank(), "strictly below τ, as in Java");
        assertTrue(p.isLowRank(), "the Java path built it");
    }

    @Test
    void solvesMatchCholesky() {
        int n = 300;
        int cols = 7;
        Random rnd = new Random(5);
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = Math.pow(10, -3 + 6 * rnd.nextDouble());
        }
        double[] a = SymmetricEigenTest.withSpectrum(SymmetricEigenTest.randomOrthogonal(n, rnd), lambda, n);
        double[] b = new double[n * cols];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextGaussian();
        }
        double[] expected = Cholesky.of(a, n).solve(b, cols);
        double[] x = DeviceSolve.solve(manager, a, n, b, cols);
        assertNotNull(x);
        assertTrue(maxAbsDiff(expected, x) < 1e-8 * maxAbs(expected), "κ = 1e6: agree to 1e-8 relative");
        SpdSolver inverse = DeviceSolve.inverse(manager, a, n);
        assertNotNull(inverse);
        assertTrue(maxAbsDiff(expected, inverse.solve(b, cols)) < 1e-8 * maxAbs(expected));
        double[] b0 = new double[n];
        double[] x0 = new double[n];
        for (int i = 0; i < n; i++) {
            b0[i] = b[i * cols];
            x0[i] = expected[i * cols];
        }
        assertTrue(maxAbsDiff(x0, inverse.solve(b0)) < 1e-8 * maxAbs(x0));
        double[] upperGarbage = a.clone();
        upperGarbage[1] = 1e9;                            // only the lower triangle is read, as by Cholesky
        assertArrayEquals(x, DeviceSolve.solve(manager, upperGarbage, n, b, cols), 1e-12 * maxAbs(expected));
    }

    @Test
    void matricesCholeskyRejectsAreRejectedTheSameWay() {
        int n = 50;
        Random rnd = new Random(9);
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = i == 0 ? 0 : 1 + rnd.nextDouble();
        }
        double[] singular = SymmetricEigenTest.withSpectrum(SymmetricEigenTest.randomOrthogonal(n, rnd), lambda, n);
        double[] b = new double[n];
        b[0] = 1;
        assertNull(DeviceSolve.solve(manager, singular, n, b, 1), "a singular matrix is not solved on the device");
        LinearAlgebra torch = LinearAlgebra.forced(manager, Path.TORCH);
        assertThrows(Cholesky.NotPositiveDefiniteException.class, () -> torch.solveSpd(singular, n, b, 1));
        lambda[0] = -1e-13;                                // indefinite by rounding, as a near-singular λC + K Kᵀ
        double[] indefinite = SymmetricEigenTest.withSpectrum(SymmetricEigenTest.randomOrthogonal(n, rnd), lambda, n);
        assertThrows(Cholesky.NotPositiveDefiniteException.class, () -> torch.solveSpd(indefinite, n, b, 1));
        assertThrows(Cholesky.NotPositiveDefiniteException.class, () -> torch.factorSpd(indefinite, n));
    }

    @Test
    void theMultiplyPathsAgree() {
        Random rnd = new Random(1);
        double[] a = new double[30 * 40];
        double[] b = new double[40 * 20];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextGaussian();
        }
        assertArrayEquals(LinearAlgebra.java().multiply(a, 30, 40, b, 20),
                LinearAlgebra.forced(manager, Path.TORCH).multiply(a, 30, 40, b, 20), 1e-12);
    }

    @Test
    void thePolicyChoosesBySizeAndFollowsTheProperties() {
        LinearAlgebraPolicy cpu = LinearAlgebraPolicy.configured(Device.cpu());
        assertEquals(Path.JAVA, cpu.pathFor(Operation.SOLVE, LinearAlgebraPolicy.CPU_MIN_SOLVE - 1));
        assertEquals(Path.TORCH, cpu.pathFor(Operation.SOLVE, LinearAlgebraPolicy.CPU_MIN_SOLVE));
        assertEquals(Path.JAVA, cpu.pathFor(Operation.PROJECTOR, LinearAlgebraPolicy.CPU_MIN_PROJECTOR - 1));
        assertEquals(Path.TORCH, cpu.pathFor(Operation.PROJECTOR, LinearAlgebraPolicy.CPU_MIN_PROJECTOR));
        assertEquals(Path.TORCH, LinearAlgebraPolicy.configured(Device.gpu(0))
                .pathFor(Operation.PROJECTOR, LinearAlgebraPolicy.GPU_MIN_SIZE));
        assertEquals(Path.JAVA, LinearAlgebra.java().pathFor(Operation.SOLVE, 100_000));
        assertEquals(Path.JAVA, LinearAlgebra.on(null).pathFor(Operation.SOLVE, 100_000));
        try {
            System.setProperty("amend.linalg", "java");
            System.setProperty("amend.linalg.projector", "torch");
            System.setProperty("amend.linalg.projector.min-size", "7");
            LinearAlgebraPolicy p = LinearAlgebraPolicy.configured(Device.cpu());
            assertEquals(Path.JAVA, p.pathFor(Operation.SOLVE, 100_000));
            assertEquals(Path.TORCH, p.pathFor(Operation.PROJECTOR, 2));
            System.setProperty("amend.linalg.projector", "auto");
            p = LinearAlgebraPolicy.configured(Device.cpu());
            assertEquals(Path.JAVA, p.pathFor(Operation.PROJECTOR, 6));
            assertEquals(Path.TORCH, p.pathFor(Operation.PROJECTOR, 7));
            System.setProperty("amend.linalg", "gpu");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebraPolicy.configured(Device.cpu()));
            assertTrue(e.getMessage().contains("auto, java or torch"), e.getMessage());
            System.setProperty("amend.linalg", "auto");
            System.setProperty("amend.linalg.projector.min-size", "big");
            e = assertThrows(IllegalArgumentException.class, () -> LinearAlgebraPolicy.configured(Device.cpu()));
            assertTrue(e.getMessage().contains("amend.linalg.projector.min-size"), e.getMessage());
        } finally {
            System.clearProperty("amend.linalg");
            System.clearProperty("amend.linalg.projector");
            System.clearProperty("amend.linalg.projector.min-size");
        }
    }

    static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
