package dev.amend.kit.linalg;

/**
 * A symmetric positive definite n×n matrix A prepared for repeated solves {@code A X = B}: its Cholesky factor
 * ({@link Cholesky}) or its inverse computed on a device ({@link LinearAlgebra#factorSpd}). Row-major arrays.
 */
public interface SpdSolver {
    /** Returns the order n. */
    int dim();

    /** Returns x (length n) solving A x = b (length n). */
    double[] solve(double[] b);

    /** Returns X (row-major n×cols) solving A X = B for the row-major n×cols matrix B (not modified). */
    double[] solve(double[] b, int cols);
}
