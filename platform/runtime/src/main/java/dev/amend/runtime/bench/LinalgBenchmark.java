package dev.amend.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.LinearAlgebra;
import dev.amend.kit.linalg.LinearAlgebra.Path;
import dev.amend.kit.linalg.NullSpaceProjector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Times the editors' float64 linear algebra on each path ({@link Path}) at given orders n (d_ff): MEMIT's layer
 * solve {@code (λC + K Kᵀ)⁻¹ K} with {@value #KEYS} keys, AlphaEdit's null-space projector of C at the default
 * threshold, and an n×n by n×n float64 matmul on the same path as the yardstick.
 *
 * <p>C is a covariance shaped like a transformer's MLP keys: {@code C = G S Gᵀ / n} with G standard normal and S
 * log-spaced over {@code 1e-5..1e2}, so its eigenvalues spread over several decades and the threshold
 * {@link NullSpaceProjector#DEFAULT_THRESHOLD} falls inside them. The same C, keys and seeds serve every path.
 */
public final class LinalgBenchmark {
    /** Keys in the timed MEMIT solve (a batch of edits with their context templates). */
    public static final int KEYS = 64;
    /** MEMIT's λ (mom2_update_weight) in the timed solve. */
    public static final double LAMBDA = 15_000;
    private static final long SEED = 17;
    private static final int WARM_UP = 128;
    private static final double SINGLE_RUN_SECONDS = 0.5;
    private static final int REPEATS = 5;

    /**
     * One row: a size on one path.
     *
     * @param n                the order (d_ff)
     * @param path             {@code java} or {@code torch}
     * @param solveSeconds     MEMIT's layer solve
     * @param projectorSeconds the null-space projector
     * @param matmulSeconds    an n×n by n×n float64 matmul on the same path
     * @param rank             the projector's rank (eigenvalues below the threshold)
     */
    public record Result(int n, String path, double solveSeconds, double projectorSeconds, double matmulSeconds,
                         int rank) {
        /** Returns the solve's time in matmuls of the same size and path. */
        public double solveRatio() {
            return solveSeconds / matmulSeconds;
        }

        /** Returns the projector's time in matmuls of the same size and path. */
        public double projectorRatio() {
            return projectorSeconds / matmulSeconds;
        }
    }

    private LinalgBenchmark() {
    }

    /**
     * Returns one result per size and path, sizes in the order given, after a small warm-up of every path;
     * {@code manager} (PyTorch's) gives the torch path its device. {@code progress} hears what runs next.
     */
    public static List<Result> run(NDManager manager, int[] sizes, List<Path> paths, Consumer<String> progress) {
        for (Path p : paths) {
            measure(manager, WARM_UP, p);
        }
        List<Result> results = new ArrayList<>();
        for (int n : sizes) {
            for (Path p : paths) {
                progress.accept("n = " + n + ", " + p.label());
                results.add(measure(manager, n, p));
            }
        }
        return results;
    }

    /** Returns the timings of the three operations at order n on {@code path}. */
    static Result measure(NDManager manager, int n, Path path) {
        LinearAlgebra linalg = LinearAlgebra.forced(manager, path);
        double[] c = covariance(manager, n);
        Random rnd = new Random(SEED + n);
        double[] keys = gaussian(rnd, n * KEYS, 1);
        int d = Math.max(1, n / 4);
        double[] residuals = gaussian(rnd, d * KEYS, 1);
        double[] a = gaussian(rnd, n * n, 1);
        double[] b = gaussian(rnd, n * n, 1);
        double matmul = path == Path.JAVA ? seconds(() -> LinearAlgebra.java().multiply(a, n, n, b, n))
                : deviceMatmul(manager, n, a, b);
        double solve = seconds(() -> LeastSquares.memit(keys, residuals, c, n, d, KEYS, LAMBDA, linalg));
        NullSpaceProjector[] p = new NullSpaceProjector[1];
        double projector = seconds(() -> p[0] = linalg.nullSpace(c, n, NullSpaceProjector.DEFAULT_THRESHOLD));
        return new Result(n, path.label(), solve, projector, matmul, p[0].rank());
    }

    /**
     * Returns the seconds {@code work} takes: one run when it takes at least {@value #SINGLE_RUN_SECONDS} s, else the
     * median of {@value #REPEATS} runs (small sizes are noisy).
     */
    static double seconds(Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        double first = (System.nanoTime() - t0) / 1e9;
        if (first >= SINGLE_RUN_SECONDS) {
            return first;
        }
        double[] s = new double[REPEATS];
        s[0] = first;
        for (int i = 1; i < REPEATS; i++) {
            long t = System.nanoTime();
            work.run();
            s[i] = (System.nanoTime() - t) / 1e9;
        }
        java.util.Arrays.sort(s);
        return s[REPEATS / 2];
    }

    /** Returns the benchmark's covariance of order n, built on the manager's device (the same for every path). */
    static double[] covariance(NDManager manager, int n) {
        Random rnd = new Random(SEED * 31 + n);
        double[] g = gaussian(rnd, n * n, 1);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(10, -5 + 7.0 * i / Math.max(1, n - 1)) / n;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray gm = m.create(g, new Shape(n, n));
            NDArray scaled = gm.mul(m.create(s, new Shape(1, n)));
            return scaled.matMul(gm.transpose()).toDoubleArray();
        }
    }

    /** Returns the seconds of an n×n by n×n float64 matmul of {@code a} and {@code b} already on the device. */
    private static double deviceMatmul(NDManager manager, int n, double[] a, double[] b) {
        try (NDManager m = manager.newSubManager()) {
            NDArray am = m.create(a, new Shape(n, n));
            NDArray bm = m.create(b, new Shape(n, n));
            am.sum().getDouble();                     // both on the device before the clock starts
            bm.sum().getDouble();
            // reading one number waits for the product on any device
            return seconds(() -> am.matMul(bm).sum().getDouble());
        }
    }

    private static double[] gaussian(Random rnd, int count, double scale) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = scale * rnd.nextGaussian();
        }
        return v;
    }
}
