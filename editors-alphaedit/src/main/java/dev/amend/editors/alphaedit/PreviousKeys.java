package dev.amend.editors.alphaedit;

import dev.amend.kit.MethodMetadata;
import dev.amend.kit.linalg.ProjectedLeastSquares;
import dev.amend.kit.linalg.NullSpaceProjector;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.edit.Edit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The accumulated Gram matrix of the AlphaEdit edits already applied, projected onto each layer's null space,
 * {@code P K_prev K_prevᵀ P}, rebuilt from the keys each edit stores in its metadata, so it persists with the edit
 * history and follows rollbacks: the edited keys and, for edits made with {@code preserve_prompt_tokens}, the keys
 * at the other tokens of their bare prompts. Edits of a decorator over AlphaEdit ({@code anyedit+alphaedit}) count
 * too: their AlphaEdit metadata is under {@code base_metadata} (one map, or a list of them for chunk-by-chunk edits). The last result is kept and extended by the new edits' projected keys
 * when the history only grew and the projectors are the same, so a sequential edit costs one small update here
 * instead of projecting the whole history again.
 */
final class PreviousKeys {
    private static List<Edit> cachedHistory = List.of();
    private static Map<Integer, double[]> cachedGram = Map.of();
    private static Map<Integer, NullSpaceProjector> cachedProjectors = Map.of();

    private PreviousKeys() {
    }

    /**
     * Returns layer → {@code P Σ K Kᵀ P} [d_ff, d_ff] over the AlphaEdit edits in {@code history} (null where none),
     * with P the layer's projector in {@code projectors}.
     */
    static synchronized Map<Integer, double[]> projectedGram(List<Edit> history,
                                                             Map<Integer, NullSpaceProjector> projectors) {
        int from = 0;
        Map<Integer, double[]> gram = new LinkedHashMap<>();
        if (sameProjectors(projectors) && history.size() >= cachedHistory.size()
                && history.subList(0, cachedHistory.size()).equals(cachedHistory)) {
            from = cachedHistory.size();
            cachedGram.forEach((l, g) -> gram.put(l, g.clone()));
        }
        for (Edit e : history.subList(from, history.size())) {
            for (Map<?, ?> metadata : alphaEditMetadata(e)) {
                for (String what : List.of(AlphaEditProvider.KEYS, AlphaEditProvider.PROMPT_KEYS)) {
                    if (metadata.get(what) instanceof Map<?, ?> m) {
                        accumulate(gram, projectors, m);
                    }
                }
            }
        }
        cachedHistory = List.copyOf(history);
        cachedGram = new LinkedHashMap<>(gram);
        cachedProjectors = new LinkedHashMap<>(projectors);
        Map<Integer, double[]> out = new LinkedHashMap<>();
        gram.forEach((l, g) -> out.put(l, g.clone()));
        return out;
    }

    /**
     * Returns the AlphaEdit metadata of {@code e}: its own for an {@code alphaedit} edit, its base's for a decorator
     * over AlphaEdit (a method named {@code DECORATOR+alphaedit}), none otherwise.
     */
    static List<Map<?, ?>> alphaEditMetadata(Edit e) {
        return MethodMetadata.of(e, "alphaedit");
    }

    /** Adds the projected Gram matrix of the keys in {@code keysByLayer} ("layer" → float[]) to {@code gram}. */
    private static void accumulate(Map<Integer, double[]> gram, Map<Integer, NullSpaceProjector> projectors,
                                   Map<?, ?> keysByLayer) {
        projectors.forEach((layer, p) -> {
            if (keysByLayer.get(String.valueOf(layer)) instanceof float[] keys) {
                int dff = p.dim();
                double[] sum = gram.computeIfAbsent(layer, l -> new double[dff * dff]);
                ProjectedLeastSquares.accumulateProjectedKeyGram(sum, p, Vectors.toDoubles(keys), keys.length / dff);
            }
        });
    }

    /** True when {@code projectors} are the very instances (same layers, same objects) the cache was built with. */
    private static boolean sameProjectors(Map<Integer, NullSpaceProjector> projectors) {
        if (!projectors.keySet().equals(cachedProjectors.keySet())) {
            return false;
        }
        for (var e : projectors.entrySet()) {
            if (cachedProjectors.get(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
