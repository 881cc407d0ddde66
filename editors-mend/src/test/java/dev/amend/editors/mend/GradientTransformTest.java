package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The gradient transform against a plain-Java reference: running statistics, identity at init, the MLP with modes. */
class GradientTransformTest {
    private static final int IN = 12;
    private static final int OUT = 5;

    @Test
    void runningStatisticsMatchATwoPassComputation() {
        GradientTransform t = new GradientTransform(IN, OUT, 2, 4, 1, true, new Random(1));
        Random r = new Random(2);
        int n = 37;
        float[] x = gaussian(r, n * IN, 3.0, 1.5);
        float[] d = gaussian(r, n * OUT, 0.01, -0.2);
        t.observe(java.util.Arrays.copyOf(x, 10 * IN), java.util.Arrays.copyOf(d, 10 * OUT));
        t.observe(java.util.Arrays.copyOfRange(x, 10 * IN, n * IN), java.util.Arrays.copyOfRange(d, 10 * OUT, n * OUT));
        assertEquals(n, t.count());
        assertArrayEquals(mean(x, n, IN), t.xMean(), 1e-5f);
        assertArrayEquals(std(x, n, IN), t.xStd(), 1e-5f);
        assertArrayEquals(mean(d, n, OUT), t.deltaMean(), 1e-7f);
        assertArrayEquals(std(d, n, OUT), t.deltaStd(), 1e-7f);
    }

    @Test
    void startsAsTheIdentityOnNormalisedFactors() {
        GradientTransform t = new GradientTransform(IN, OUT, 3, 4, 1, true, new Random(3));
        Random r = new Random(4);
        t.observe(gaussian(r, 50 * IN, 2, 1), gaussian(r, 50 * OUT, 0.5, 0));
        int n = 7;
        float[] x = gaussian(r, n * IN, 2, 1);
        float[] d = gaussian(r, n * OUT, 0.5, 0);
        try (NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDList out = t.bind(nd, false).apply(nd.create(x, new Shape(n, IN)), nd.create(d, new Shape(n, OUT)), 2);
            assertArrayEquals(normalise(x, n, IN, t.xMean(), t.xStd()), out.get(0).toFloatArray(), 1e-4f);
            assertArrayEquals(normalise(d, n, OUT, t.deltaMean(), t.deltaStd()), out.get(1).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void theMlpWithModesMatchesAPlainJavaForward() {
        GradientTransform t = new GradientTransform(IN, OUT, 2, 3, 1, false, new Random(5));
        Random r = new Random(6);
        for (float[] p : t.parameters().values()) {
            for (int i = 0; i < p.length; i++) {
                p[i] += (float) (0.3 * r.nextGaussian());
            }
        }
        int n = 4;
        float[] x = gaussian(r, n * IN, 0, 1);
        float[] d = gaussian(r, n * OUT, 0, 1);
        for (int mode = 0; mode < 2; mode++) {
            float[] want = reference(t, x, d, n, mode);
            try (NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                NDList out = t.bind(nd, false).apply(nd.create(x, new Shape(n, IN)), nd.create(d, new Shape(n, OUT)), mode);
                float[] got = new float[n * (IN + OUT)];
                float[] gx = out.get(0).toFloatArray();
                float[] gd = out.get(1).toFloatArray();
                for (int i = 0; i < n; i++) {
                    System.arraycopy(gx, i * IN, got, i * (IN + OUT), IN);
                    System.arraycopy(gd, i * OUT, got, i * (IN + OUT) + IN, OUT);
                }
                assertArrayEquals(want, got, 1e-4f);
            }
        }
    }

    /** z ↦ z' + act(U V z' + b), z' = z ⊙ scale[mode] + shift[mode], in doubles. */
    private static float[] reference(GradientTransform t, float[] x, float[] d, int n, int mode) {
        int dim = IN + OUT;
        int rank = t.rank();
        float[] out = new float[n * dim];
        for (int row = 0; row < n; row++) {
            double[] z = new double[dim];
            for (int i = 0; i < IN; i++) {
                z[i] = x[row * IN + i];
            }
            for (int i = 0; i < OUT; i++) {
                z[IN + i] = d[row * OUT + i];
            }
            for (int layer = 0; layer < t.layers(); layer++) {
                float[] u = t.parameters().get("mlp." + layer + ".u");
                float[] v = t.parameters().get("mlp." + layer + ".v");
                float[] b = t.parameters().get("mlp." + layer + ".bias");
                float[] scale = t.parameters().get("mlp." + layer + ".scale");
                float[] shift = t.parameters().get("mlp." + layer + ".shift");
                double[] zi = new double[dim];
                for (int i = 0; i < dim; i++) {
                    zi[i] = z[i] * scale[mode * dim + i] + shift[mode * dim + i];
                }
                double[] h = new double[rank];
                for (int k = 0; k < rank; k++) {
                    for (int i = 0; i < dim; i++) {
                        h[k] += v[k * dim + i] * zi[i];
                    }
                }
                for (int i = 0; i < dim; i++) {
                    double pre = b[i];
                    for (int k = 0; k < rank; k++) {
                        pre += u[i * rank + k] * h[k];
                    }
                    double act = layer < t.layers() - 1 ? Math.max(0, pre) : pre;
                    z[i] = act + zi[i];
                }
            }
            for (int i = 0; i < dim; i++) {
                out[row * dim + i] = (float) z[i];
            }
        }
        return out;
    }

    static float[] gaussian(Random r, int n, double scale, double mean) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (mean + scale * r.nextGaussian());
        }
        return a;
    }

    private static float[] mean(float[] a, int n, int w) {
        float[] m = new float[w];
        for (int j = 0; j < w; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += a[i * w + j];
            }
            m[j] = (float) (s / n);
        }
        return m;
    }

    private static float[] std(float[] a, int n, int w) {
        float[] m = mean(a, n, w);
        float[] s = new float[w];
        for (int j = 0; j < w; j++) {
            double acc = 0;
            for (int i = 0; i < n; i++) {
                acc += Math.pow(a[i * w + j] - m[j], 2);
            }
            s[j] = (float) Math.sqrt(acc / (n - 1));
        }
        return s;
    }

    private static float[] normalise(float[] a, int n, int w, float[] mean, float[] std) {
        float[] out = new float[a.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < w; j++) {
                out[i * w + j] = (a[i * w + j] - mean[j]) / (std[j] + 1e-7f);
            }
        }
        return out;
    }
}
