package dev.amend.kit.linalg;

import java.util.Objects;

/**
 * AlphaEdit's null-space projector {@code P = U Uᵀ}, where the columns of U {@code [n, r]} are the unit
 * eigenvectors of the preserved-knowledge key covariance C {@code [n, n]} (n = d_ff) whose eigenvalue is
 * below a threshold: an update {@code ΔW P} leaves {@code ΔW k} (almost) unchanged for the keys C was
 * collected from.
 *
 * <p>P is an orthogonal projector ({@code P² = P = Pᵀ}) of rank r. It is stored as U when
 * {@code r < n/2} and as the dense n×n matrix otherwise (or as chosen with {@link Storage}); all
 * matrices are row-major {@code double[]}.
 */
public final class NullSpaceProjector {
    /** AlphaEdit's default eigenvalue threshold ({@code nullspace_threshold}). */
    public static final double DEFAULT_THRESHOLD = 2e-2;

    /** How P is stored. */
    public enum Storage {
        /** U when {@code r < n/2}, dense otherwise. */
        AUTO,
        /** Always the factor U [n, r]. */
        LOW_RANK,
        /** Always the dense P [n, n]. */
        DENSE
    }

    private final int n;
    private final int r;
    private final double threshold;
    private final double energy;
    /** U [n, r] or null. */
    private final double[] basis;
    /** P [n, n] or null. */
    private final double[] dense;

    private NullSpaceProjector(int n, int r, double threshold, double energy, double[] basis, double[] dense) {
        this.n = n;
        this.r = r;
        this.threshold = threshold;
        this.energy = energy;
        this.basis = basis;
        this.dense = dense;
    }

    /** Returns the projector of the covariance {@code c [n, n]} (symmetric PSD) with {@link #DEFAULT_THRESHOLD}. */
    public static NullSpaceProjector of(double[] c, int n) {
        return of(c, n, DEFAULT_THRESHOLD);
    }

    /** Returns the projector onto the eigenvectors of {@code c [n, n]} whose eigenvalue is below {@code threshold}. */
    public static NullSpaceProjector of(double[] c, int n, double threshold) {
        return fromEigen(SymmetricEigen.of(c, n), threshold, Storage.AUTO);
    }

    /** Returns the projector onto the eigenvectors of {@code eigen} whose eigenvalue is below {@code threshold}. */
    public static NullSpaceProjector fromEigen(SymmetricEigen eigen, double threshold) {
        return fromEigen(eigen, threshold, Storage.AUTO);
    }

    /**
     * Returns the projector onto the eigenvectors of {@code eigen} whose eigenvalue is strictly below
     * {@code threshold}, stored as {@code storage} says.
     */
    public static NullSpaceProjector fromEigen(SymmetricEigen eigen, double threshold, Storage storage) {
        Objects.requireNonNull(storage, "storage");
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold is NaN");
        }
        int n = eigen.dim();
        int r = eigen.countBelow(threshold);              // ascending: the first r columns of V
        double[] v = eigen.vectorsShared();
        double[] u = new double[n * r];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v, i * n, u, i * r, r);
        }
        double inside = 0;
        double total = 0;
        for (int j = 0; j < n; j++) {
            double l = Math.max(0, eigen.value(j));           // rounding can leave tiny negative eigenvalues
            total += l;
            inside += j < r ? l : 0;
        }
        double energy = total > 0 ? inside / total : 0;
        boolean lowRank = storage == Storage.LOW_RANK || (storage == Storage.AUTO && 2 * r < n);
        if (lowRank) {
            return new NullSpaceProjector(n, r, threshold, energy, u, null);
        }
        return new NullSpaceProjector(n, r, threshold, energy, null, Blas.mulTransB(u, n, r, u, n));
    }

    /**
     * Returns the projector stored as the dense, exactly symmetric {@code p [n, n]} of rank r (array not copied), as
     * the torch path computes it, with its {@link #energy()}.
     */
    static NullSpaceProjector dense(int n, int r, double threshold, double energy, double[] p) {
        return new NullSpaceProjector(n, r, threshold, energy, null, p);
    }

    /** Returns the rank r of P (the number of eigenvalues below the threshold). */
    public int rank() {
        return r;
    }

    /** Returns the dimension n (d_ff). */
    public int dim() {
        return n;
    }

    /** Returns the eigenvalue threshold P was built with. */
    public double threshold() {
        return threshold;
    }

    /**
     * Returns the share of the covariance's trace inside P's span, {@code tr(P C) / tr(C)} = Σ of the eigenvalues
     * below the threshold over Σ of all: the part of the preserved keys' energy an update {@code ΔW P} still
     * reaches. Near 0 the null space is real; on a model whose keys fill every direction (small models with a
     * flat spectrum) a threshold made for large models can leave several percent, and edits then disturb
     * preserved knowledge in proportion.
     */
    public double energy() {
        return energy;
    }

    /** Returns true when P is stored as the factor U [n, r]. */
    public boolean isLowRank() {
        return basis != null;
    }

    /** Returns the number of doubles stored ({@code n·r} or {@code n²}). */
    public long storedDoubles() {
        return basis != null ? basis.length : dense.length;
    }

    /** Returns P as a new row-major [n, n] array (exactly symmetric). */
    public double[] dense() {
        if (dense != null) {
            return dense.clone();
        }
        return Blas.mulTransB(basis, n, r, basis, n);
    }

    /** Returns {@code P x} (length n) for x of length n. */
    public double[] apply(double[] x) {
        if (x.length != n) {
            throw new IllegalArgumentException("vector has " + x.length + " values, expected " + n);
        }
        double[] y = new double[n];
        if (dense != null) {
            for (int i = 0; i < n; i++) {
                y[i] = Blas.dot(dense, i * n, x, 0, n);
            }
            return y;
        }
        double[] t = new double[r];                          // Uᵀ x
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            int o = i * r;
            for (int c = 0; c < r; c++) {
                t[c] += basis[o + c] * xi;
            }
        }
        for (int i = 0; i < n; i++) {
            y[i] = Blas.dot(basis, i * r, t, 0, r);
        }
        return y;
    }

    /** Returns {@code P M [n, cols]} for the row-major {@code M [rows, cols]}; rows must equal n. */
    public double[] project(double[] m, int rows, int cols) {
        return project(m, rows, cols, LinearAlgebra.java());
    }

    /** Returns {@code P M [n, cols]} as {@link #project(double[], int, int)} does, a dense P multiplied on {@code linalg}'s path. */
    public double[] project(double[] m, int rows, int cols, LinearAlgebra linalg) {
        checkShape(m, rows, cols);
        if (rows != n) {
            throw new IllegalArgumentException("P M needs " + n + " rows, got " + rows);
        }
        if (dense != null) {
            return linalg.multiply(dense, n, n, m, cols);
        }
        double[] t = Blas.mulTransA(basis, n, r, m, cols);   // Uᵀ M [r, cols]
        return Blas.mul(basis, n, r, t, cols);              // U (Uᵀ M)
    }

    /** Returns {@code M P [rows, n]} for the row-major {@code M [rows, cols]}; cols must equal n. */
    public double[] projectRight(double[] m, int rows, int cols) {
        checkShape(m, rows, cols);
        if (cols != n) {
            throw new IllegalArgumentException("M P needs " + n + " columns, got " + cols);
        }
        if (dense != null) {
            return Blas.mul(m, rows, n, dense, n);
        }
        double[] s = Blas.mul(m, rows, n, basis, r);        // M U [rows, r]
        return Blas.mulTransB(s, rows, r, basis, n);        // (M U) Uᵀ
    }

    private static void checkShape(double[] m, int rows, int cols) {
        Objects.requireNonNull(m, "matrix");
        if (rows < 0 || cols < 0 || m.length != (long) rows * cols) {
            throw new IllegalArgumentException(m.length + " values for shape [" + rows + ", " + cols + "]");
        }
    }
}
