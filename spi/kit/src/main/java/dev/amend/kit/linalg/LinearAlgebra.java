package dev.amend.kit.linalg;

import ai.djl.ndarray.NDManager;
import dev.amend.spi.model.EditableModel;
import java.util.Objects;

/**
 * Where the editors' float64 linear algebra runs: the symmetric positive definite solves of ROME, MEMIT and
 * AlphaEdit and AlphaEdit's null-space projector, either in the kit's Java code on the CPU or through PyTorch
 * on a model's device ({@link Path}). {@link LinearAlgebraPolicy} picks the path per operation and size; the
 * choice is overridable with system properties (see there).
 *
 * <p>The device path checks what it computes (residuals of the solves; idempotence, commutation with C and the
 * threshold split of the projector) and falls back to the Java path when a check fails, so its results match
 * the Java ones to the stated tolerances and its errors (a matrix that is not positive definite) are the Java
 * path's.
 */
public final class LinearAlgebra {
    /** Where an operation runs. */
    public enum Path {
        /** The kit's Java code ({@link Cholesky}, {@link SymmetricEigen}) on the calling thread's CPU cores. */
        JAVA("java"),
        /** PyTorch, through DJL's NDArray, on the device of the manager the path was made with. */
        TORCH("torch");

        private final String label;

        Path(String label) {
            this.label = label;
        }

        /** Returns the name used in configuration and benchmark output ({@code java}, {@code torch}). */
        public String label() {
            return label;
        }
    }

    /** The operations whose path is chosen. */
    public enum Operation {
        /** A symmetric positive definite solve {@code A X = B} (Cholesky on the Java path). */
        SOLVE("solve"),
        /** The null-space projector of a covariance (an eigendecomposition on the Java path). */
        PROJECTOR("projector");

        private final String label;

        Operation(String label) {
            this.label = label;
        }

        /** Returns the name used in the configuration properties ({@code solve}, {@code projector}). */
        public String label() {
            return label;
        }
    }

    private static final LinearAlgebra JAVA_ONLY = new LinearAlgebra(null, LinearAlgebraPolicy.javaOnly());

    private final NDManager manager;
    private final LinearAlgebraPolicy policy;

    private LinearAlgebra(NDManager manager, LinearAlgebraPolicy policy) {
        this.manager = manager;
        this.policy = policy;
    }

    /** Returns the linear algebra that always runs the Java code. */
    public static LinearAlgebra java() {
        return JAVA_ONLY;
    }

    /** Returns the linear algebra for {@code model}: its manager's device, paths chosen by the configured policy. */
    public static LinearAlgebra forModel(EditableModel model) {
        return on(model.manager());
    }

    /**
     * Returns the linear algebra on {@code manager}'s device with the paths the system properties choose
     * ({@link LinearAlgebraPolicy#configured}); Java only when the manager is null or not PyTorch's.
     */
    public static LinearAlgebra on(NDManager manager) {
        if (!isTorch(manager)) {
            return JAVA_ONLY;
        }
        return new LinearAlgebra(manager, LinearAlgebraPolicy.configured(manager.getDevice()));
    }

    /** Returns the linear algebra that runs every operation on {@code path} ({@code manager} may be null for Java). */
    public static LinearAlgebra forced(NDManager manager, Path path) {
        if (path == Path.JAVA) {
            return JAVA_ONLY;
        }
        if (!isTorch(manager)) {
            throw new IllegalArgumentException("the torch path needs a PyTorch NDManager, got "
                    + (manager == null ? "none" : manager.getEngine().getEngineName()));
        }
        return new LinearAlgebra(manager, LinearAlgebraPolicy.forced(path));
    }

    private static boolean isTorch(NDManager manager) {
        return manager != null && "PyTorch".equals(manager.getEngine().getEngineName());
    }

    /** Returns the path {@code op} takes at order {@code n}. */
    public Path pathFor(Operation op, int n) {
        return manager == null ? Path.JAVA : policy.pathFor(op, n);
    }

    /** Returns the device the torch path runs on, or "cpu (java)" when only the Java path is used. */
    public String device() {
        return manager == null ? "cpu (java)" : manager.getDevice().toString();
    }

    /**
     * Returns X [n, cols] solving {@code A X = B} for the symmetric positive definite {@code A [n, n]} (only its
     * lower triangle is read) and {@code B [n, cols]}, row-major.
     *
     * @throws Cholesky.NotPositiveDefiniteException if A is not positive definite to working precision
     */
    public double[] solveSpd(double[] a, int n, double[] b, int cols) {
        LeastSquares.checkShape("right-hand side", b, n, cols);
        if (pathFor(Operation.SOLVE, n) == Path.TORCH) {
            double[] x = DeviceSolve.solve(manager, a, n, b, cols);
            if (x != null) {
                return x;
            }
        }
        return Cholesky.of(a, n).solve(b, cols);
    }

    /**
     * Returns a solver for the symmetric positive definite {@code A [n, n]} (lower triangle read), for callers that
     * solve with the same matrix several times: its Cholesky factor, or on the torch path its inverse.
     *
     * @throws Cholesky.NotPositiveDefiniteException if A is not positive definite to working precision
     */
    public SpdSolver factorSpd(double[] a, int n) {
        if (pathFor(Operation.SOLVE, n) == Path.TORCH) {
            SpdSolver s = DeviceSolve.inverse(manager, a, n);
            if (s != null) {
                return s;
            }
        }
        return Cholesky.of(a, n);
    }

    /**
     * Returns the projector onto the eigenvectors of the symmetric PSD {@code c [n, n]} whose eigenvalue is below
     * {@code threshold}: {@link NullSpaceProjector#of(double[], int, double)} on the Java path, the matrix sign
     * function on the torch path (stored dense; see {@link SignIteration} for its tolerance).
     */
    public NullSpaceProjector nullSpace(double[] c, int n, double threshold) {
        Objects.requireNonNull(c, "covariance");
        if (pathFor(Operation.PROJECTOR, n) == Path.TORCH) {
            NullSpaceProjector p = SignIteration.projector(manager, c, n, threshold);
            if (p != null) {
                return p;
            }
        }
        return NullSpaceProjector.of(c, n, threshold);
    }

    /**
     * Returns {@code A B [m, n]} for row-major {@code A [m, k]} and {@code B [k, n]}, on the path the solve takes at
     * order {@code max(m, k)} (the products around a solve run where the solve does).
     */
    public double[] multiply(double[] a, int m, int k, double[] b, int n) {
        LeastSquares.checkShape("left matrix", a, m, k);
        LeastSquares.checkShape("right matrix", b, k, n);
        if (pathFor(Operation.SOLVE, Math.max(m, k)) == Path.TORCH) {
            return DeviceSolve.multiply(manager, a, m, k, b, n, false);
        }
        return Blas.mul(a, m, k, b, n);
    }

    /** Returns {@code A Bᵀ [m, n]} for row-major {@code A [m, k]} and {@code B [n, k]}, on the path of {@link #multiply}. */
    public double[] multiplyTransposed(double[] a, int m, int k, double[] b, int n) {
        LeastSquares.checkShape("left matrix", a, m, k);
        LeastSquares.checkShape("right matrix", b, n, k);
        if (pathFor(Operation.SOLVE, Math.max(m, n)) == Path.TORCH) {
            return DeviceSolve.multiply(manager, a, m, k, b, n, true);
        }
        return Blas.mulTransB(a, m, k, b, n);
    }

    @Override
    public String toString() {
        return "linear algebra on " + device() + " (" + policy + ")";
    }
}
