package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * MEND's gradient transform for one weight shape [out, in], shared by the weights of that shape (one mode
 * per weight). A token's gradient factors, the weight's input x (size in) and the gradient δ of the loss
 * with respect to its output (size out), are normalised by running statistics and passed through an MLP
 * over [x; δ] whose layers are {@code z ↦ z' + relu(U V z' + b)} with {@code z' = z ⊙ scale[mode] + shift[mode]}
 * (no ReLU on the last layer). U starts at zero and the mode scale at one, so the transform starts as the
 * identity.
 *
 * <p>Parameters live in host float arrays (stored, optimised by the trainer); {@link #bind} makes arrays
 * of them for a computation, with gradients when training.
 */
public final class GradientTransform {
    private static final float EPS = 1e-7f;

    private final int in;
    private final int out;
    private final int modes;
    private final int rank;
    private final int layers;
    private final boolean norm;
    /** Parameters by name: {@code mlp.<i>.u} [D, r], {@code .v} [r, D], {@code .bias} [D], {@code .scale} [M, D], {@code .shift} [M, D]. */
    private final Map<String, float[]> params = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    /** Running moments (Welford): count, means and sums of squared deviations of x and δ. */
    private long count;
    private final double[] xMean;
    private final double[] xSq;
    private final double[] dMean;
    private final double[] dSq;

    /**
     * Returns an identity-initialised transform.
     *
     * @param in      input features of the weight (size of x)
     * @param out     output features of the weight (size of δ)
     * @param modes   weights sharing the transform
     * @param rank    rank of each MLP layer
     * @param nHidden hidden layers (with ReLU), plus one output layer
     * @param norm    normalise x and δ by running statistics
     * @param random  initialises V
     */
    public GradientTransform(int in, int out, int modes, int rank, int nHidden, boolean norm, Random random) {
        this.in = in;
        this.out = out;
        this.modes = modes;
        this.rank = rank;
        this.layers = nHidden + 1;
        this.norm = norm;
        int d = in + out;
        for (int i = 0; i < layers; i++) {
            put("mlp." + i + ".u", new float[d * rank], d, rank);
            float[] v = new float[rank * d];
            double bound = Math.sqrt(6.0 / (rank + d)); // Xavier-uniform, as the reference initialises V
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            put("mlp." + i + ".v", v, rank, d);
            put("mlp." + i + ".bias", new float[d], d);
            float[] scale = new float[modes * d];
            java.util.Arrays.fill(scale, 1f);
            put("mlp." + i + ".scale", scale, modes, d);
            put("mlp." + i + ".shift", new float[modes * d], modes, d);
        }
        xMean = new double[in];
        xSq = new double[in];
        dMean = new double[out];
        dSq = new double[out];
    }

    private void put(String name, float[] values, long... shape) {
        params.put(name, values);
        shapes.put(name, shape);
    }

    /** Returns the input features (size of x). */
    public int in() {
        return in;
    }

    /** Returns the output features (size of δ). */
    public int out() {
        return out;
    }

    /** Returns the number of modes (weights sharing this transform). */
    public int modes() {
        return modes;
    }

    /** Returns the rank of the MLP layers. */
    public int rank() {
        return rank;
    }

    /** Returns the number of MLP layers. */
    public int layers() {
        return layers;
    }

    /** Returns true when x and δ are normalised. */
    public boolean normalises() {
        return norm;
    }

    /** Returns the trainable parameters by name (the live arrays). */
    public Map<String, float[]> parameters() {
        return params;
    }

    /** Returns the shape of parameter {@code name}. */
    public long[] shape(String name) {
        return shapes.get(name);
    }

    /** Returns the number of tokens the running statistics have seen. */
    public long count() {
        return count;
    }

    /**
     * Adds tokens to the running statistics (Welford's update, as the reference's {@code update_counter}).
     *
     * @param x rows of size {@link #in()}, row-major
     * @param d rows of size {@link #out()}, row-major, as many as x
     */
    public void observe(float[] x, float[] d) {
        int n = x.length / in;
        for (int t = 0; t < n; t++) {
            count++;
            welford(x, t * in, in, xMean, xSq);
            welford(d, t * out, out, dMean, dSq);
        }
    }

    private void welford(float[] rows, int from, int width, double[] mean, double[] sq) {
        for (int i = 0; i < width; i++) {
            double v = rows[from + i];
            double m = mean[i] + (v - mean[i]) / count;
            sq[i] += (v - mean[i]) * (v - m);
            mean[i] = m;
        }
    }

    /** Returns the mean of x per feature (zero before two tokens were seen). */
    public float[] xMean() {
        return count < 2 ? new float[in] : toFloats(xMean);
    }

    /** Returns the standard deviation of x per feature (sample estimate; one before two tokens were seen). */
    public float[] xStd() {
        return std(xSq, in);
    }

    /** Returns the mean of δ per feature (zero before two tokens were seen). */
    public float[] deltaMean() {
        return count < 2 ? new float[out] : toFloats(dMean);
    }

    /** Returns the standard deviation of δ per feature (one before two tokens were seen). */
    public float[] deltaStd() {
        return std(dSq, out);
    }

    private float[] std(double[] sq, int width) {
        float[] s = new float[width];
        for (int i = 0; i < width; i++) {
            s[i] = count < 2 ? 1f : (float) Math.sqrt(sq[i] / (count - 1));
        }
        return s;
    }

    /** A copy of the running statistics. */
    record Moments(long count, double[] xMean, double[] xSq, double[] dMean, double[] dSq) {
    }

    /** Returns a copy of the running statistics. */
    Moments moments() {
        return new Moments(count, xMean.clone(), xSq.clone(), dMean.clone(), dSq.clone());
    }

    /** Puts back statistics copied by {@link #moments()}. */
    void restore(Moments m) {
        count = m.count();
        System.arraycopy(m.xMean(), 0, xMean, 0, in);
        System.arraycopy(m.xSq(), 0, xSq, 0, in);
        System.arraycopy(m.dMean(), 0, dMean, 0, out);
        System.arraycopy(m.dSq(), 0, dSq, 0, out);
    }

    /** Replaces the running statistics (loading a stored editor). */
    void setStatistics(long n, float[] xm, float[] xs, float[] dm, float[] ds) {
        count = n;
        for (int i = 0; i < in; i++) {
            xMean[i] = xm[i];
            xSq[i] = n < 2 ? 0 : (double) xs[i] * xs[i] * (n - 1);
        }
        for (int i = 0; i < out; i++) {
            dMean[i] = dm[i];
            dSq[i] = n < 2 ? 0 : (double) ds[i] * ds[i] * (n - 1);
        }
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Returns arrays of the parameters in {@code nd}, requiring gradients when {@code trainable}. */
    public Bound bind(NDManager nd, boolean trainable) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            NDArray a = nd.create(e.getValue(), new Shape(shapes.get(e.getKey())));
            if (trainable) {
                a.setRequiresGradient(true);
            }
            arrays.put(e.getKey(), a);
        }
        NDArray xm = nd.create(xMean());
        NDArray xs = nd.create(xStd()).add(EPS);
        NDArray dm = nd.create(deltaMean());
        NDArray ds = nd.create(deltaStd()).add(EPS);
        return new Bound(arrays, xm, xs, dm, ds);
    }

    /** The transform's parameters as arrays for one computation. */
    public final class Bound {
        private final Map<String, NDArray> arrays;
        private final NDArray xMeanArray;
        private final NDArray xStdArray;
        private final NDArray dMeanArray;
        private final NDArray dStdArray;

        private Bound(Map<String, NDArray> arrays, NDArray xm, NDArray xs, NDArray dm, NDArray ds) {
            this.arrays = arrays;
            this.xMeanArray = xm;
            this.xStdArray = xs;
            this.dMeanArray = dm;
            this.dStdArray = ds;
        }

        /** Returns the parameter arrays by name (their gradients after a backward pass). */
        public Map<String, NDArray> arrays() {
            return arrays;
        }

        /**
         * Returns the transformed factors {x̃ [n, in], δ̃ [n, out]} of tokens {@code x} [n, in] and {@code delta}
         * [n, out] for weight {@code mode}.
         */
        public NDList apply(NDArray x, NDArray delta, int mode) {
            NDArray xn = x;
            NDArray dn = delta;
            if (norm) {
                xn = x.sub(xMeanArray).div(xStdArray);
                dn = delta.sub(dMeanArray).div(dStdArray);
            }
            NDArray z = xn.concat(dn, 1);                                                     // [n, D]
            for (int i = 0; i < layers; i++) {
                NDArray scale = arrays.get("mlp." + i + ".scale").get(new NDIndex(mode));     // [D]
                NDArray shift = arrays.get("mlp." + i + ".shift").get(new NDIndex(mode));     // [D]
                NDArray zi = z.mul(scale).add(shift);
                NDArray pre = zi.matMul(arrays.get("mlp." + i + ".v").transpose())           // [n, r]
                        .matMul(arrays.get("mlp." + i + ".u").transpose())                    // [n, D]
                        .add(arrays.get("mlp." + i + ".bias"));
                NDArray act = i < layers - 1 ? Scalars.maximum(pre, 0) : pre;               // see Scalars
                z = act.add(zi);
            }
            return new NDList(z.get(new NDIndex(":, :" + in)), z.get(new NDIndex(":, " + in + ":")));
        }
    }

    /** Returns the parameter names in a fixed order. */
    public List<String> parameterNames() {
        return new ArrayList<>(params.keySet());
    }
}
