package dev.amend.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** Measures the fp32 matmul rate of this machine through DJL, the yardstick for every benchmark ratio. */
public final class MatmulReference {
    private MatmulReference() {
    }

    /** Returns the median GFLOP/s of {@code repeats} n×n by n×n float32 matmuls on {@code manager}'s device. */
    public static double gflops(NDManager manager, int n, int repeats) {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            a.matMul(b).toFloatArray(); // warm-up
            double[] rates = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                c.toFloatArray(); // forces completion on asynchronous devices
                long t1 = System.nanoTime();
                c.close();
                rates[i] = 2.0 * n * n * n / ((t1 - t0) / 1e9) / 1e9;
            }
            Arrays.sort(rates);
            return rates[repeats / 2];
        }
    }
}
