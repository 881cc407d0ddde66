package dev.amend.kit.linalg;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The torch path of AlphaEdit's null-space projector: {@code P = (I + sign(τI − C)) / 2}, the orthogonal projector
 * onto the eigenvectors of C whose eigenvalue is below τ, without an eigendecomposition (DJL's PyTorch engine
 * offers {@code inverse} and matmul, no {@code eigh}).
 *
 * <p>The sign function comes from the scaled Newton iteration {@code X ← (μX + (μX)⁻¹)/2} from {@code X₀ = τI − C}:
 * every eigenvalue x of X moves to sign(x) (quadratically once near ±1), the eigenvectors stay C's. The scale
 * {@code μ = (ρ(X⁻¹)/ρ(X))^½} (spectral radii from a few power steps) balances the largest and smallest |x|, and is
 * dropped once the relative change falls below {@value #UNSCALED_BELOW}; the radii are estimated for X₀ only
 * and then follow from the map each step applies to the eigenvalues. It stops when the relative change
 * {@code ‖X_{k+1} − X_k‖_F/‖X_{k+1}‖_F} is below {@value #STOP} (X is then within about its square of sign), in
 * 6-8 float64 inverses for covariances of transformer MLP keys.
 *
 * <p>Eigenvalues near the threshold: an eigenvalue λ of C becomes the eigenvalue (τ − λ) of X₀, and rounding in
 * the inverses perturbs X by about ε·‖C‖ relative to it, so eigenvalues with {@code |λ − τ|} above roughly
 * {@code 1e-12·λ_max} are split exactly as the Java eigendecomposition splits them (strictly below τ inside P);
 * closer ones may fall on either side, as they may in the Java path within its own rounding of about
 * {@code ε·λ_max}. An eigenvalue equal to τ to working precision leaves X singular; PyTorch then fails or the
 * checks do. The result is checked (tr P within {@value #TOLERANCE} of a whole number r; with random probes V:
 * {@code ‖P²V − PV‖}, {@code ‖PCV − CPV‖} and the threshold split {@code ‖C PV‖ ≤ τ‖PV‖} up to
 * {@value #TOLERANCE}·‖C‖_F·‖V‖_F) and {@link #projector} returns null when a check fails, so the caller takes the
 * Java path. P comes back dense ({@link NullSpaceProjector.Storage#DENSE}).
 */
final class SignIteration {
    /** Most Newton steps before giving up (the Java path then takes over). */
    static final int MAX_STEPS = 40;
    /** Relative change below which the iteration stops. */
    static final double STOP = 1e-6;
    /** Relative change below which the scaling is dropped for the quadratic phase. */
    static final double UNSCALED_BELOW = 1e-2;
    /** Tolerance of the checks on the result (relative, see the class comment). */
    static final double TOLERANCE = 1e-8;
    private static final int POWER_STEPS = 8;
    private static final int PROBES = 4;

    private SignIteration() {
    }

    /**
     * Returns the projector onto the eigenvectors of {@code c [n, n]} (triangles averaged) with eigenvalue below
     * {@code threshold}, computed on {@code manager}'s device, or null when the iteration or a check fails.
     */
    static NullSpaceProjector projector(NDManager manager, double[] c, int n, double threshold) {
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold is NaN");
        }
        if (Double.isInfinite(threshold)) {
            return null;                              // all or nothing: the Java path needs no iteration
        }
        double[] full = SymmetricMatrices.averaged(c, n);
        if (full == null) {
            return null;                              // the Java path reports the entry that is not finite
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray cm = m.create(full, new Shape(n, n));
            NDArray eye = m.eye(n, n, 0, DataType.FLOAT64);
            NDArray sign = sign(m, eye.mul(threshold).subi(cm), n);
            if (sign == null) {
                return null;
            }
            NDArray half = eye.add(sign).muli(0.5);
            NDArray p = half.add(half.transpose()).muli(0.5);
            if (!checked(m, p, cm, n, threshold)) {
                return null;
            }
            double[] pd = p.toDoubleArray();
            double trace = 0;
            for (int i = 0; i < n; i++) {
                trace += pd[i * n + i];
            }
            long r = Math.round(trace);
            if (!(Math.abs(trace - r) <= TOLERANCE * n)) {
                return null;
            }
            return NullSpaceProjector.dense(n, (int) r, threshold, energy(pd, full, n), pd);
        } catch (EngineException e) {
            return null;                              // PyTorch found X singular: an eigenvalue at the threshold
        }
    }

    /**
     * Returns sign(x) for the symmetric {@code x} (consumed), or null when the iteration does not converge. The
     * bounds {@code [lo, hi]} of |eigenvalue| are estimated once, by power steps on X₀ and X₀⁻¹, and then carried
     * through the map {@code t ↦ (μt + 1/(μt))/2} that each step applies to every eigenvalue.
     */
    private static NDArray sign(NDManager m, NDArray x, int n) {
        NDArray start = m.create(SymmetricMatrices.probes(n, 1), new Shape(n, 1));
        double lo = Double.NaN;
        double hi = Double.NaN;
        boolean scaled = true;
        for (int step = 0; step < MAX_STEPS; step++) {
            NDArray inv = x.inverse();
            NDArray invSym = inv.add(inv.transpose()).muli(0.5);
            inv.close();
            if (step == 0) {
                hi = spectralRadius(x, start);
                lo = 1 / spectralRadius(invSym, start);
            }
            double mu = scaled ? 1 / Math.sqrt(lo * hi) : 1;
            if (!(mu > 0) || Double.isInfinite(mu)) {
                return null;
            }
            double fLo = 0.5 * (mu * lo + 1 / (mu * lo));
            double fHi = 0.5 * (mu * hi + 1 / (mu * hi));
            lo = mu * lo <= 1 && 1 <= mu * hi ? 1 : Math.min(fLo, fHi);
            hi = Math.max(fLo, fHi);
            NDArray next = x.mul(mu).addi(invSym.muli(1 / mu)).muli(0.5);
            invSym.close();
            NDArray diff = next.sub(x);
            double change = diff.norm().getDouble() / next.norm().getDouble();
            diff.close();
            x.close();
            x = next;
            if (!Double.isFinite(change)) {
                return null;
            }
            if (change < UNSCALED_BELOW) {
                scaled = false;
            }
            if (change <= STOP) {
                return x;
            }
        }
        return null;
    }

    /** Returns an estimate (from below) of the largest |eigenvalue| of the symmetric {@code a}, by power steps. */
    private static double spectralRadius(NDArray a, NDArray start) {
        NDArray v = start.duplicate();
        for (int i = 0; i < POWER_STEPS; i++) {
            NDArray w = a.matMul(v);
            v.close();
            v = w.div(w.norm());
            w.close();
        }
        NDArray av = a.matMul(v);
        double rho = av.norm().getDouble() / v.norm().getDouble();
        av.close();
        v.close();
        return rho;
    }

    /** True when {@code p} is a projector commuting with C that splits C's spectrum at the threshold (probed). */
    private static boolean checked(NDManager m, NDArray p, NDArray c, int n, double threshold) {
        NDArray v = m.create(SymmetricMatrices.probes(n, PROBES), new Shape(n, PROBES));
        double scale = v.norm().getDouble();
        double cScale = c.norm().getDouble() * scale;
        NDArray pv = p.matMul(v);
        NDArray cpv = c.matMul(pv);
        double idempotence = p.matMul(pv).sub(pv).norm().getDouble();
        double commutation = p.matMul(c.matMul(v)).sub(cpv).norm().getDouble();
        double inside = cpv.norm().getDouble() - Math.max(threshold, 0) * pv.norm().getDouble();
        NDArray qv = v.sub(pv);
        double outside = threshold * qv.mul(qv).sum().getDouble()
                - qv.mul(c.matMul(qv)).sum().getDouble();
        return idempotence <= TOLERANCE * scale && commutation <= TOLERANCE * cScale
                && inside <= TOLERANCE * cScale && outside <= TOLERANCE * cScale * scale;
    }

    /** Returns tr(P C) / tr(C) from the dense P and C (see {@link NullSpaceProjector#energy()}). */
    private static double energy(double[] p, double[] c, int n) {
        double inside = 0;
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += c[i * n + i];
            inside += Blas.dot(p, i * n, c, i * n, n);        // Σ_j P_ij C_ji, C symmetric
        }
        return total > 0 ? Math.min(1, Math.max(0, inside / total)) : 0;
    }
}
