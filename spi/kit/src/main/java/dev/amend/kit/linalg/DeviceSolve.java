package dev.amend.kit.linalg;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The torch path of the symmetric positive definite solves: PyTorch's float64 {@code inverse} on the manager's
 * device, one step of iterative refinement, and checks that decide whether the result stands or the Java
 * {@link Cholesky} takes over.
 *
 * <p>A result stands when every {@code 1/(A⁻¹)_ii} is above Cholesky's pivot tolerance {@code n·ε·max A_ii}
 * (each Cholesky pivot is at least that large, so such a matrix is one {@link Cholesky} accepts too), random
 * probes see A⁻¹ positive, and the refined residual {@code ‖B − A X‖_F} is below
 * {@value #RESIDUAL_TOLERANCE} · {@code (‖A‖_F ‖X‖_F + ‖B‖_F)}. Otherwise the methods return null and the
 * caller runs the Java path, which solves or reports the matrix as not positive definite exactly as before.
 * A singular or near-singular matrix, or one indefinite by rounding (a tiny negative eigenvalue makes A⁻¹ huge
 * and negative along it), fails the checks; a grossly indefinite one (never formed by the editors, whose
 * matrices are a PSD matrix plus a ridge) can pass them and is then solved where Cholesky would refuse it.
 */
final class DeviceSolve {
    /** Largest relative residual a device solve may leave. */
    static final double RESIDUAL_TOLERANCE = 1e-10;
    private static final double EPS = Math.ulp(1.0);
    private static final int PROBES = 4;

    private DeviceSolve() {
    }

    /** Returns X [n, cols] solving A X = B (A's lower triangle read) on the device, or null when a check fails. */
    static double[] solve(NDManager manager, double[] a, int n, double[] b, int cols) {
        double[] full = SymmetricMatrices.fromLower(a, n);
        if (full == null) {
            return null;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray am = m.create(full, new Shape(n, n));
            NDArray inv = checkedInverse(m, am, full, n);
            if (inv == null) {
                return null;
            }
            NDArray bm = m.create(b, new Shape(n, cols));
            NDArray x = inv.matMul(bm);
            x.addi(inv.matMul(bm.sub(am.matMul(x))));           // one step of iterative refinement
            double residual = bm.sub(am.matMul(x)).norm().getDouble();
            double scale = am.norm().getDouble() * x.norm().getDouble() + bm.norm().getDouble();
            if (!(residual <= RESIDUAL_TOLERANCE * scale)) {
                return null;
            }
            return x.toDoubleArray();
        } catch (EngineException e) {
            return null;                                          // e.g. PyTorch found the matrix singular
        }
    }

    /** Returns a solver holding A⁻¹ (A's lower triangle read) computed on the device, or null when a check fails. */
    static SpdSolver inverse(NDManager manager, double[] a, int n) {
        double[] full = SymmetricMatrices.fromLower(a, n);
        if (full == null) {
            return null;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray inv = checkedInverse(m, m.create(full, new Shape(n, n)), full, n);
            if (inv == null) {
                return null;
            }
            NDArray sym = inv.add(inv.transpose()).muli(0.5);
            return new InverseSolver(n, sym.toDoubleArray());
        } catch (EngineException e) {
            return null;
        }
    }

    /** Returns A B [m, n] for A [m, k] and B [k, n], or A Bᵀ for B [n, k] when {@code transposed}, on the device. */
    static double[] multiply(NDManager manager, double[] a, int m, int k, double[] b, int n, boolean transposed) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray right = transposed ? sub.create(b, new Shape(n, k)).transpose() : sub.create(b, new Shape(k, n));
            return sub.create(a, new Shape(m, k)).matMul(right).toDoubleArray();
        }
    }

    /** Returns A⁻¹ of the full symmetric {@code am}, or null when it fails the pivot or positivity checks. */
    private static NDArray checkedInverse(NDManager m, NDArray am, double[] full, int n) {
        NDArray inv = am.inverse();
        double maxDiag = 0;
        for (int i = 0; i < n; i++) {
            maxDiag = Math.max(maxDiag, Math.abs(full[i * n + i]));
        }
        double tol = n * EPS * maxDiag;
        double[] invDiag = inv.mul(m.eye(n, n, 0, inv.getDataType())).sum(new int[] {1}).toDoubleArray();
        for (double d : invDiag) {
            if (!(d > 0) || !(1 / d > tol)) {
                return null;
            }
        }
        NDArray probes = m.create(SymmetricMatrices.probes(n, PROBES), new Shape(n, PROBES));
        double[] quad = probes.mul(inv.matMul(probes)).sum(new int[] {0}).toDoubleArray();
        for (double q : quad) {
            if (!(q > 0)) {
                return null;
            }
        }
        return inv;
    }

    /** Solves with an inverse held in Java (x = A⁻¹ b), as {@link LinearAlgebra#factorSpd} returns on the torch path. */
    private record InverseSolver(int dim, double[] inverse) implements SpdSolver {
        @Override
        public double[] solve(double[] b) {
            if (b.length != dim) {
                throw new IllegalArgumentException("right-hand side has " + b.length + " values, expected " + dim);
            }
            double[] x = new double[dim];
            for (int i = 0; i < dim; i++) {
                x[i] = Blas.dot(inverse, i * dim, b, 0, dim);
            }
            return x;
        }

        @Override
        public double[] solve(double[] b, int cols) {
            LeastSquares.checkShape("right-hand side", b, dim, cols);
            return Blas.mul(inverse, dim, dim, b, cols);
        }
    }
}
