package dev.amend.server.editing;

import dev.amend.spi.edit.WeightDelta;

/**
 * The size of one weight change, as the API shows it.
 *
 * @param weight        the weight it changes
 * @param kind          {@code low-rank} or {@code dense}
 * @param rows          output features of ΔW
 * @param cols          input features of ΔW
 * @param rank          the factors' rank (0 for dense)
 * @param storedFloats  the floats stored
 * @param frobeniusNorm ‖ΔW‖_F
 */
public record DeltaSummary(String weight, String kind, int rows, int cols, int rank, long storedFloats,
                           double frobeniusNorm) {

    /** Returns the summary of {@code d}. */
    public static DeltaSummary of(WeightDelta d) {
        if (d instanceof WeightDelta.LowRank lr) {
            return new DeltaSummary(d.weight(), "low-rank", d.rows(), d.cols(), lr.rank(), d.storedFloats(),
                    lowRankNorm(lr));
        }
        double s = 0;
        for (float v : ((WeightDelta.Dense) d).values()) {
            s += (double) v * v;
        }
        return new DeltaSummary(d.weight(), "dense", d.rows(), d.cols(), 0, d.storedFloats(), Math.sqrt(s));
    }

    /** ‖U Vᵀ‖_F = sqrt(trace((UᵀU)(VᵀV))), without forming the dense matrix. */
    private static double lowRankNorm(WeightDelta.LowRank d) {
        int k = d.rank();
        double[] uu = gram(d.u(), d.rows(), k);
        double[] vv = gram(d.v(), d.cols(), k);
        double s = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                s += uu[i * k + j] * vv[j * k + i];
            }
        }
        return Math.sqrt(Math.max(s, 0));
    }

    private static double[] gram(float[] a, int rows, int k) {
        double[] g = new double[k * k];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    g[i * k + j] += (double) a[r * k + i] * a[r * k + j];
                }
            }
        }
        return g;
    }
}
