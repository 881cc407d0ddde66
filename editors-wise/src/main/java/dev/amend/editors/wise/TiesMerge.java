package dev.amend.editors.wise;

import java.util.Arrays;
import java.util.List;

/**
 * Merges changes of the side memory (task vectors: side memory minus main memory) as EasyEdit's {@code GTA} does.
 * Each change is sparsified to the {@code density} share of its entries of largest magnitude (when the algorithm
 * sparsifies); the changes are weighted; where the algorithm takes a sign consensus, an entry keeps only the weighted
 * changes whose sign agrees with the sign of their sum (a sum of 0 counts as positive); the kept changes are summed
 * and, where it normalises, divided by the sum of the kept weights (1 where none is kept).
 * {@code ties} = magnitude + sign consensus + normalise; {@code magnitude_norm} = magnitude + normalise;
 * {@code magnitude} = magnitude alone; {@code sign} = sign consensus + normalise. Arithmetic in float64 per entry.
 */
final class TiesMerge {
    private TiesMerge() {
    }

    /** Returns the merged change of {@code changes} (equal lengths) with {@code weights} under {@code algorithm}. */
    static float[] merge(String algorithm, List<float[]> changes, double[] weights, double density) {
        if (changes.size() != weights.length || changes.isEmpty()) {
            throw new IllegalArgumentException(changes.size() + " changes and " + weights.length + " weights");
        }
        boolean sparsify = !"sign".equals(algorithm);
        boolean consensus = "ties".equals(algorithm) || "sign".equals(algorithm);
        boolean normalise = !"magnitude".equals(algorithm);
        float[][] kept = new float[changes.size()][];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = sparsify ? largest(changes.get(i), density) : changes.get(i);
        }
        int n = kept[0].length;
        double totalWeight = Arrays.stream(weights).sum();
        float[] out = new float[n];
        for (int e = 0; e < n; e++) {
            double sum = 0;
            for (int i = 0; i < kept.length; i++) {
                sum += kept[i][e] * weights[i];
            }
            double mixed = 0;
            double divisor = 0;
            if (consensus) {
                double majority = sum >= 0 ? 1 : -1;
                for (int i = 0; i < kept.length; i++) {
                    double w = kept[i][e] * weights[i];
                    if (Math.signum(w) == majority) {
                        mixed += w;
                        divisor += weights[i];
                    }
                }
                divisor = divisor == 0 ? 1 : divisor;
            } else {
                mixed = sum;
                divisor = Math.abs(totalWeight) < 1e-8 ? 1 : totalWeight;
            }
            out[e] = (float) (normalise ? mixed / divisor : mixed);
        }
        return out;
    }

    /**
     * Returns {@code change} with all but its {@code floor(density · n)} entries of largest magnitude set to 0 (all
     * kept at density 1); among equal magnitudes at the cut the lower indices are kept.
     */
    static float[] largest(float[] change, double density) {
        if (density >= 1) {
            return change;
        }
        int k = (int) (density * change.length);
        if (k <= 0) {
            throw new IllegalArgumentException("density " + density + " keeps no entry of " + change.length);
        }
        float[] magnitudes = new float[change.length];
        for (int i = 0; i < change.length; i++) {
            magnitudes[i] = Math.abs(change[i]);
        }
        float[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        float cut = sorted[sorted.length - k];
        int above = 0;
        for (float m : magnitudes) {
            above += m > cut ? 1 : 0;
        }
        int atCut = k - above;
        float[] out = new float[change.length];
        for (int i = 0; i < change.length; i++) {
            if (magnitudes[i] > cut || (magnitudes[i] == cut && atCut-- > 0)) {
                out[i] = change[i];
            }
        }
        return out;
    }
}
