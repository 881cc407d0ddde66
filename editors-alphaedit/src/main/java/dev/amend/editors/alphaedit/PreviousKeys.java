package dev.amend.editors.alphaedit;

import dev.amend.spi.Edit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The accumulated Gram matrix K_prev K_prevᵀ per layer of the AlphaEdit edits already applied, rebuilt
 * from the keys each edit stores in its metadata, so it persists with the edit history and follows rollbacks:
 * the edited keys and, for edits made with {@code preserve_prompt_tokens}, the keys at the other tokens of their
 * bare prompts. The last result is kept and extended when the history only grew.
 */
final class PreviousKeys {
    private static List<Edit> cachedHistory = List.of();
    private static Map<Integer, double[]> cachedGram = Map.of();
    private static List<Integer> cachedLayers = List.of();

    private PreviousKeys() {
    }

    /** Returns layer → Σ K Kᵀ [d_ff, d_ff] over the AlphaEdit edits in {@code history} (null where none). */
    static synchronized Map<Integer, double[]> gram(List<Edit> history, List<Integer> layers, int dff) {
        int from = 0;
        Map<Integer, double[]> gram = new LinkedHashMap<>();
        boolean extends_ = layers.equals(cachedLayers) && history.size() >= cachedHistory.size()
                && history.subList(0, cachedHistory.size()).equals(cachedHistory);
        if (extends_) {
            from = cachedHistory.size();
            cachedGram.forEach((l, g) -> gram.put(l, g.clone()));
        }
        for (Edit e : history.subList(from, history.size())) {
            if (!e.method().equals("alphaedit")) {
                continue;
            }
            for (String what : List.of(AlphaEditProvider.KEYS, AlphaEditProvider.PROMPT_KEYS)) {
                if (!(e.metadata().get(what) instanceof Map<?, ?> m)) {
                    continue;
                }
                for (int layer : layers) {
                    if (m.get(String.valueOf(layer)) instanceof float[] keys) {
                        add(gram.computeIfAbsent(layer, l -> new double[dff * dff]), keys, dff);
                    }
                }
            }
        }
        cachedHistory = List.copyOf(history);
        cachedGram = new LinkedHashMap<>(gram);
        cachedLayers = List.copyOf(layers);
        Map<Integer, double[]> out = new LinkedHashMap<>();
        gram.forEach((l, g) -> out.put(l, g.clone()));
        return out;
    }

    /** Adds K Kᵀ of {@code keys} [d_ff, n] (row-major) to {@code g} [d_ff, d_ff]. */
    private static void add(double[] g, float[] keys, int dff) {
        int n = keys.length / dff;
        for (int a = 0; a < dff; a++) {
            for (int j = 0; j < n; j++) {
                double ka = keys[a * n + j];
                if (ka == 0) {
                    continue;
                }
                int row = a * dff;
                for (int b = 0; b < dff; b++) {
                    g[row + b] += ka * keys[b * n + j];
                }
            }
        }
    }
}
