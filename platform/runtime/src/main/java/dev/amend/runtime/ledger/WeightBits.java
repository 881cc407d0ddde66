package dev.amend.runtime.ledger;

import ai.djl.ndarray.NDArray;
import dev.amend.spi.model.EditableModel;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The raw bits of a model's weights as held on the device (float32 bits, or the 16-bit patterns of a half-precision
 * model), for bit-for-bit comparisons of replayed and recomputed states.
 */
public final class WeightBits {
    private WeightBits() {
    }

    /** Returns every weight's raw bits by name. */
    public static Map<String, int[]> of(EditableModel m) {
        Map<String, int[]> out = new TreeMap<>();
        for (String n : m.weightNames()) {
            NDArray w = m.weight(n);
            ByteBuffer bytes = w.toByteBuffer();
            int width = w.getDataType().getNumOfBytes();
            int[] b = new int[(int) w.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = width == 4 ? bytes.getInt(4 * i) : bytes.getShort(2 * i) & 0xFFFF;
            }
            out.put(n, b);
        }
        return out;
    }
}
