package dev.amend.editors.wise;

import dev.amend.spi.edit.Adapter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One WISE edit's adapter state: its ordinal (the how-manieth WISE edit at its block), the shard and merge sizes it
 * was made with, its shard's mask (seed and ratio), its values at the mask's entries, the least activation score its
 * tokens reached, and the settings the memory applies (those of the newest edit count).
 *
 * @param rows      d, the output size of the block's MLP output projection
 * @param columns   d_ff, its input size
 * @param ordinal   the edit's number at its block, from 0
 * @param saveFreq  edits per shard
 * @param mergeFreq edits per merge group
 * @param maskSeed  the seed of the shard's mask
 * @param maskRatio the share of entries in the mask
 * @param values    what the edit added to its shard, one value per mask entry
 * @param score     the least activation score of the edit's tokens after training
 * @param actRatio  the threshold's factor
 * @param mergeAlg  the merge algorithm
 * @param densities the share the merge keeps per change
 * @param weights   the shards' total weight in a merge
 * @param retrieve  merge groups stay separate memories
 */
record Contribution(int rows, int columns, int ordinal, int saveFreq, int mergeFreq, long maskSeed, double maskRatio, float[] values,
                    double score, double actRatio, String mergeAlg, double densities, double weights,
                    boolean retrieve) {

    /** The state keys of a side-memory adapter. */
    static final String ROWS = "rows";
    static final String COLUMNS = "columns";
    static final String ORDINAL = "ordinal";
    static final String SAVE_FREQ = "save_freq";
    static final String MERGE_FREQ = "merge_freq";
    static final String MASK_SEED = "mask_seed";
    static final String MASK_RATIO = "mask_ratio";
    static final String VALUES = "values";
    static final String SCORE = "least_activation";
    static final String ACT_RATIO = "act_ratio";
    static final String MERGE_ALG = "merge_alg";
    static final String DENSITIES = "densities";
    static final String WEIGHTS = "weights";
    static final String RETRIEVE = "retrieve";

    /** Returns the contribution an adapter's state holds, or throws naming what is missing. */
    static Contribution of(Adapter a) {
        if (!(a.state().get(RETRIEVE) instanceof Boolean retrieve)) {
            throw new IllegalArgumentException("adapter " + a.id() + " has no boolean \"" + RETRIEVE + "\"");
        }
        long seed;
        try {
            seed = Long.parseUnsignedLong(a.text(MASK_SEED), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("adapter " + a.id() + " has a mask seed that is not hexadecimal");
        }
        return new Contribution((int) a.number(ROWS), (int) a.number(COLUMNS), (int) a.number(ORDINAL), (int) a.number(SAVE_FREQ), (int) a.number(MERGE_FREQ), seed,
                a.number(MASK_RATIO), a.floats(VALUES), a.number(SCORE), a.number(ACT_RATIO), a.text(MERGE_ALG),
                a.number(DENSITIES), a.number(WEIGHTS), retrieve);
    }

    /** Returns the adapter state of this contribution. */
    Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put(ROWS, rows);
        s.put(COLUMNS, columns);
        s.put(ORDINAL, ordinal);
        s.put(SAVE_FREQ, saveFreq);
        s.put(MERGE_FREQ, mergeFreq);
        s.put(MASK_SEED, Long.toHexString(maskSeed));
        s.put(MASK_RATIO, maskRatio);
        s.put(VALUES, values);
        s.put(SCORE, score);
        s.put(ACT_RATIO, actRatio);
        s.put(MERGE_ALG, mergeAlg);
        s.put(DENSITIES, densities);
        s.put(WEIGHTS, weights);
        s.put(RETRIEVE, retrieve);
        return s;
    }

    /** Returns the shard the edit trained. */
    int shard() {
        return ordinal / saveFreq;
    }

    /** Returns the merge group of the edit. */
    int group() {
        return ordinal / mergeFreq;
    }

    /** Returns the ordinal of the last edit of the edit's merge group, after which the group is merged. */
    int closingOrdinal() {
        return (group() + 1) * mergeFreq - 1;
    }

    /** Returns the entries of the shard's mask in the side memory (rows · columns entries). */
    int[] entries() {
        return ShardMask.cached(maskSeed, maskRatio, rows * columns);
    }
}
