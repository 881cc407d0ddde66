package dev.amend.editors.wise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge math against values computed by hand, and the shard masks. */
class TiesMergeTest {

    @Test
    void tiesKeepsTheLargestEntriesTakesTheSignOfTheSumAndDividesByTheKeptWeights() {
        // density 0.5 keeps two of four: A -> [3, 0, 0, 2], B -> [0, 2, -4, 0]; weighted by 0.5:
        // [1.5, 0, 0, 1] and [0, 1, -2, 0]; signs of the sums + + - +; each entry keeps one change of weight 0.5
        float[] merged = TiesMerge.merge("ties", List.of(new float[] {3, -1, 0, 2}, new float[] {1, 2, -4, 0}),
                new double[] {0.5, 0.5}, 0.5);
        assertArrayEquals(new float[] {3, 2, -4, 2}, merged, 1e-6f);
    }

    @Test
    void disagreeingSignsKeepTheMajorityOnlyAndOtherAlgorithmsFollowTheirSteps() {
        List<float[]> changes = List.of(new float[] {2, 1}, new float[] {-1, 1});
        // entry 0: weighted 1 and -0.5, sum 0.5 > 0 keeps 1 of weight 0.5 -> 2; entry 1: (0.5 + 0.5) / 1 -> 1
        assertArrayEquals(new float[] {2, 1}, TiesMerge.merge("ties", changes, new double[] {0.5, 0.5}, 1), 1e-6f);
        // sign: the same without sparsifying
        assertArrayEquals(new float[] {2, 1}, TiesMerge.merge("sign", changes, new double[] {0.5, 0.5}, 0.5), 1e-6f);
        // magnitude_norm: no consensus, divided by the total weight 1 -> the weighted sum
        assertArrayEquals(new float[] {0.5f, 1}, TiesMerge.merge("magnitude_norm", changes,
                new double[] {0.5, 0.5}, 1), 1e-6f);
        // WISE's later merges: 0.4 for the one new shard, 0.6 for the merged memory: (0.4·1 + 0.6·3) / 1 = 2.2;
        // entry 1: signs differ (0.4 vs -1.2, sum -0.8) so only the memory's -2 stays
        assertArrayEquals(new float[] {2.2f, -2}, TiesMerge.merge("ties", List.of(new float[] {1, 1},
                new float[] {3, -2}), new double[] {0.4, 0.6}, 1), 1e-6f);
        // magnitude: sparsified, weighted, summed, not normalised; ties at the cut keep the lower index
        assertArrayEquals(new float[] {1, 0}, TiesMerge.merge("magnitude", List.of(new float[] {2, -2}),
                new double[] {0.5}, 0.5), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> TiesMerge.largest(new float[] {1, 2}, 0.1));
    }

    @Test
    void shardMasksAreReproducibleAndHaveTheirRatio() {
        int[] a = ShardMask.entries(42, 0.2, 100_000);
        assertArrayEquals(a, ShardMask.entries(42, 0.2, 100_000));
        assertEquals(0.2, a.length / 100_000.0, 0.01);
        assertTrue(a.length > 0 && a[0] >= 0 && a[a.length - 1] < 100_000);
        int[] b = ShardMask.entries(ShardMask.shardSeed(42, 1), 0.2, 100_000);
        int overlap = 0;
        java.util.Set<Integer> in = new java.util.HashSet<>();
        for (int x : a) {
            in.add(x);
        }
        for (int x : b) {
            overlap += in.contains(x) ? 1 : 0;
        }
        assertEquals(0.2, overlap / (double) b.length, 0.02, "independent masks overlap at the ratio");
        assertEquals(10, ShardMask.entries(7, 1.0, 10).length);
        // the first draws are fixed by the written-out SplitMix64, on every JVM
        assertEquals(ShardMask.uniform(1, 0), ShardMask.uniform(1, 0));
        assertTrue(ShardMask.uniform(1, 0) != ShardMask.uniform(1, 1));
    }
}
