package dev.amend.kit.linalg;

import java.util.stream.IntStream;

/** Dense float64 kernels shared by the kit's solvers: row-major, blocked, deterministic in parallel. */
final class Blas {
    /** Below this many flops a loop runs on the calling thread. */
    private static final long PARALLEL_MIN_FLOPS = 1L << 17;
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final int K_BLOCK = 128;
    private static final int N_BLOCK = 256;

    private Blas() {
    }

    /** A body run over item indices {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, items)}, split into contiguous chunks run in parallel when the
     * work is large enough. Bodies must compute each item independently of the split.
     */
    static void parallelFor(int items, long flopsPerItem, Range body) {
        if (items <= 0) {
            return;
        }
        long total = items * Math.max(1L, flopsPerItem);
        if (THREADS <= 1 || items == 1 || total < PARALLEL_MIN_FLOPS) {
            body.run(0, items);
            return;
        }
        int chunks = (int) Math.min(items, Math.min(8L * THREADS, total / PARALLEL_MIN_FLOPS));
        if (chunks <= 1) {
            body.run(0, items);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> body.run(
                (int) ((long) items * c / chunks), (int) ((long) items * (c + 1) / chunks)));
    }

    /** Returns Σ a[ao+i]·b[bo+i] for i in [0, len), with four interleaved partial sums. */
    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < len; i++) {
            s0 += a[ao + i] * b[bo + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Returns A B [m, n] for A [m, k] and B [k, n]. */
    static double[] mul(double[] a, int m, int k, double[] b, int n) {
        double[] c = new double[m * n];
        parallelFor(m, 2L * k * n, (r0, r1) -> {
            for (int kb = 0; kb < k; kb += K_BLOCK) {
                int ke = Math.min(k, kb + K_BLOCK);
                for (int jb = 0; jb < n; jb += N_BLOCK) {
                    int je = Math.min(n, jb + N_BLOCK);
                    for (int i = r0; i < r1; i++) {
                        int ci = i * n;
                        int ai = i * k;
                        for (int p = kb; p < ke; p++) {
                            double aip = a[ai + p];
                            if (aip == 0) {
                                continue;
                            }
                            int bp = p * n;
                            for (int j = jb; j < je; j++) {
                                c[ci + j] += aip * b[bp + j];
                            }
                        }
                    }
                }
            }
        });
        return c;
    }

    /** Returns A Bᵀ [m, n] for A [m, k] and B [n, k]. */
    static double[] mulTransB(double[] a, int m, int k, double[] b, int n) {
        return mul(a, m, k, transpose(b, n, k), n);
    }

    /** Returns Aᵀ B [m, n] for A [k, m] and B [k, n]. */
    static double[] mulTransA(double[] a, int k, int m, double[] b, int n) {
        return mul(transpose(a, k, m), m, k, b, n);
    }

    /** Returns Aᵀ [n, m] for A [m, n]. */
    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int ib = 0; ib < m; ib += 32) {
            int ie = Math.min(m, ib + 32);
            for (int jb = 0; jb < n; jb += 32) {
                int je = Math.min(n, jb + 32);
                for (int i = ib; i < ie; i++) {
                    for (int j = jb; j < je; j++) {
                        t[j * m + i] = a[i * n + j];
                    }
                }
            }
        }
        return t;
    }
}
