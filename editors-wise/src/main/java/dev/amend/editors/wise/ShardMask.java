package dev.amend.editors.wise;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The random gradient mask of one shard: entry i of the side memory (row-major [d, d_ff], out × in) belongs to the
 * mask when a uniform draw for i falls below {@code mask_ratio}. The draw is SplitMix64 of the seed and i, written
 * out here, so the same seed gives the same mask on every machine and JVM: an adapter stores only its values at the
 * mask's entries and the seed, and a replay rebuilds the mask.
 */
final class ShardMask {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** The masks built last (a shard's edits share one), by seed, ratio and size. */
    private static final Map<String, int[]> RECENT = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> eldest) {
            return size() > 8;
        }
    });

    private ShardMask() {
    }

    /** Returns {@link #entries}, reusing a mask built recently (callers never write it). */
    static int[] cached(long seed, double ratio, int size) {
        return RECENT.computeIfAbsent(seed + "/" + ratio + "/" + size, k -> entries(seed, ratio, size));
    }

    /** Returns the ascending indices of the entries in the mask of {@code seed} over {@code size} entries. */
    static int[] entries(long seed, double ratio, int size) {
        int[] out = new int[Math.max(16, (int) Math.min(size, size * ratio * 1.1 + 64))];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (uniform(seed, i) < ratio) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, Math.min(size, out.length * 2));
                }
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Returns the draw in [0, 1) of entry {@code i} under {@code seed}. */
    static double uniform(long seed, long i) {
        long z = seed + (i + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    /** Returns the seed of shard {@code shard} for an edit context's {@code seed}. */
    static long shardSeed(long seed, int shard) {
        long z = seed * GOLDEN + shard;
        return (z ^ (z >>> 29)) * 0xBF58476D1CE4E5B9L;
    }

    /** Adds {@code values} (one per mask entry) into {@code dense} at {@code entries}, in place. */
    static void scatterAdd(float[] dense, int[] entries, float[] values) {
        for (int k = 0; k < entries.length; k++) {
            dense[entries[k]] += values[k];
        }
    }

    /** Returns {@code dense} at {@code entries}. */
    static float[] gather(float[] dense, int[] entries) {
        float[] out = new float[entries.length];
        for (int k = 0; k < entries.length; k++) {
            out[k] = dense[entries[k]];
        }
        return out;
    }
}
