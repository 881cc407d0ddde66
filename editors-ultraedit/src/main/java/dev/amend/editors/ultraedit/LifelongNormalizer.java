package dev.amend.editors.ultraedit;

import dev.amend.kit.MethodMetadata;
import dev.amend.spi.edit.Edit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * UltraEdit's lifelong normalisation: the running count, mean and spread of the rows {@code [key, loss gradient]}
 * (size d_ff + d) of every edit so far, each edit batch folded in before it is normalised. As in the reference
 * ({@code RunningMeanStd}), the standard deviation is {@code sqrt(M2 / (n − 1 + ε))} and a row normalises to
 * {@code (x − mean) / (std + ε)}, ε the float32 machine epsilon. A batch is folded in by the exact parallel formula
 * (Chan et al.): {@code M2 = M2_a + M2_b + δ² n_a n_b / n}; the reference adds {@code n_b · var_unbiased(batch)}
 * for {@code M2_b}, which counts a batch's own spread {@code n_b / (n_b − 1)} times and is undefined for a batch
 * of one row.
 *
 * <p>The state is no stored object: every edit records its batch's {@link Moments} in its metadata, and the state
 * before an edit is the fold of the moments of the UltraEdit edits in the history, oldest first. Replay after a
 * restart and rollback therefore give the state the remaining edits imply.
 */
final class LifelongNormalizer {
    /** ε of the reference: the machine epsilon of float32. */
    static final double EPS = Math.ulp(1.0f);

    private final int width;
    private long rows;
    private final double[] mean;
    private final double[] m2;

    /** Creates the empty state for rows of {@code width} values. */
    LifelongNormalizer(int width) {
        this.width = width;
        this.mean = new double[width];
        this.m2 = new double[width];
    }

    /**
     * The moments of one edit batch, as recorded: float32 values, so that the state rebuilt from the ledger is the
     * very state the edit was solved with.
     *
     * @param rows number of rows
     * @param mean the rows' mean
     * @param m2   the sum of squared deviations from the mean
     */
    record Moments(int rows, float[] mean, float[] m2) {
        /** Returns the moments of the rows {@code data} [rows, width], row-major, rounded to float32. */
        static Moments of(double[] data, int rows, int width) {
            double[] mean = new double[width];
            double[] m2 = new double[width];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < width; i++) {
                    mean[i] += data[r * width + i];
                }
            }
            for (int i = 0; i < width; i++) {
                mean[i] /= rows;
            }
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < width; i++) {
                    double dev = data[r * width + i] - mean[i];
                    m2[i] += dev * dev;
                }
            }
            return new Moments(rows, floats(mean), floats(m2));
        }

        /** Returns the moments as the edit's metadata stores them. */
        Map<String, Object> toMetadata() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", rows);
            m.put("mean", mean);
            m.put("m2", m2);
            return m;
        }

        /** Returns the moments stored in {@code metadata}, or null when it holds none of {@code width} values. */
        static Moments fromMetadata(Map<?, ?> metadata, int width) {
            if (metadata.get(UltraEditProvider.MOMENTS) instanceof Map<?, ?> m && m.get("rows") instanceof Number n
                    && m.get("mean") instanceof float[] mean && m.get("m2") instanceof float[] m2
                    && mean.length == width && m2.length == width) {
                return new Moments(n.intValue(), mean, m2);
            }
            return null;
        }

        private static float[] floats(double[] a) {
            float[] f = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                f[i] = (float) a[i];
            }
            return f;
        }
    }

    /** Returns the state the UltraEdit edits of {@code history} (decorated ones included) imply, oldest first. */
    static LifelongNormalizer replay(List<Edit> history, int width) {
        LifelongNormalizer n = new LifelongNormalizer(width);
        for (Edit e : history) {
            for (Map<?, ?> metadata : MethodMetadata.of(e, UltraEditProvider.NAME)) {
                Moments m = Moments.fromMetadata(metadata, width);
                if (m != null) {
                    n.add(m);
                }
            }
        }
        return n;
    }

    /** Folds the batch {@code b} into the state. */
    void add(Moments b) {
        if (b.rows() <= 0) {
            return;
        }
        long total = rows + b.rows();
        for (int i = 0; i < width; i++) {
            double delta = b.mean()[i] - mean[i];
            mean[i] += delta * b.rows() / total;
            m2[i] += b.m2()[i] + delta * delta * ((double) rows * b.rows() / total);
        }
        rows = total;
    }

    /** Returns the rows seen. */
    long rows() {
        return rows;
    }

    /** Returns a copy of the running mean. */
    double[] mean() {
        return mean.clone();
    }

    /** Returns the running standard deviation, {@code sqrt(M2 / (n − 1 + ε))}. */
    double[] std() {
        double[] s = new double[width];
        for (int i = 0; i < width; i++) {
            s[i] = Math.sqrt(m2[i] / (rows - 1 + EPS));
        }
        return s;
    }

    /** Returns the rows {@code data} [rows, width] (row-major) normalised, {@code (x − mean) / (std + ε)}. */
    double[] normalize(double[] data, int n) {
        double[] std = std();
        double[] out = new double[data.length];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < width; i++) {
                out[r * width + i] = (data[r * width + i] - mean[i]) / (std[i] + EPS);
            }
        }
        return out;
    }
}
