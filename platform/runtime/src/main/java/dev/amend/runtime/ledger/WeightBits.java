package dev.amend.runtime.ledger;

import dev.amend.spi.model.EditableModel;
import java.util.Map;
import java.util.TreeMap;

/** The raw float bits of a model's weights, for bit-for-bit comparisons of replayed and recomputed states. */
public final class WeightBits {
    private WeightBits() {
    }

    /** Returns every weight's raw bits by name. */
    public static Map<String, int[]> of(EditableModel m) {
        Map<String, int[]> out = new TreeMap<>();
        for (String n : m.weightNames()) {
            float[] f = m.weight(n).toFloatArray();
            int[] b = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                b[i] = Float.floatToRawIntBits(f[i]);
            }
            out.put(n, b);
        }
        return out;
    }
}
