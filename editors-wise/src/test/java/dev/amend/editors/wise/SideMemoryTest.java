package dev.amend.editors.wise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The side memory of a 2 x 3 projection built from hand-made contributions (mask ratio 1: every entry), its
 * shards, merges and thresholds, and the routing of its module against values computed by hand.
 */
class SideMemoryTest {

    /** Returns a contribution of edit {@code ordinal} adding {@code values} (all six entries) with least score s. */
    static Adapter edit(int ordinal, int saveFreq, int mergeFreq, double score, boolean retrieve, float... values) {
        return Adapter.of(SideMemoryKind.KIND, 0, new Contribution(2, 3, ordinal, saveFreq, mergeFreq,
                ShardMask.shardSeed(5, ordinal / saveFreq), 1.0, values, score, 0.5, "ties", 1.0, 1.0, retrieve)
                .state());
    }

    @Test
    void editsOfOneShardAddUpAndTheThresholdIsActRatioTimesTheLeastScore() {
        SideMemory m = SideMemory.of(List.of(edit(0, 10, 10, 8, false, 1, 0, 0, 0, 0, 0),
                edit(1, 10, 10, 6, false, 1, 0, 0, 0, 2, 0)));
        List<SideMemory.Candidate> c = m.candidates();
        assertEquals(1, c.size());
        assertArrayEquals(new float[] {2, 0, 0, 0, 2, 0}, c.get(0).change());
        assertEquals(3.0, c.get(0).threshold(), 1e-12);      // 0.5 · min(8, 6)
    }

    @Test
    void aClosedMergeGroupMergesByTiesAndRemovingItsLastEditReopensIt() {
        Adapter a = edit(0, 1, 2, 4, false, 2, 0, 0, 0, 0, 0);
        Adapter b = edit(1, 1, 2, 6, false, -1, 0, 3, 0, 0, 0);
        Adapter c = edit(2, 1, 2, 10, false, 0, 1, 0, 0, 0, 0);
        SideMemory m = SideMemory.of(List.of(a, b, c));
        // shards 0 and 1 merged with weights 1/2 each: entry 0 keeps the positive 2 -> 2 / 1 · ... = 2, entry 2 -> 3
        assertEquals(1, m.mergedCount());
        List<SideMemory.Candidate> cs = m.candidates();
        assertEquals(2, cs.size(), "the merged memory and the open shard 2");
        assertArrayEquals(new float[] {2, 0, 3, 0, 0, 0}, cs.get(0).change());
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0}, cs.get(1).change());
        assertEquals(2.0, cs.get(1).threshold(), 1e-12);     // 0.5 · 4
        SideMemory without = SideMemory.of(List.of(a, c));
        assertEquals(1, without.mergedCount(), "edit 2 still closes group 0, now of shard 0 alone");
        assertArrayEquals(new float[] {2, 0, 0, 0, 0, 0}, without.candidates().get(0).change());
        SideMemory open = SideMemory.of(List.of(a));
        assertEquals(0, open.mergedCount());
        // extending the memory gives what a rebuild gives
        SideMemory grown = SideMemory.of(List.of(a, b));
        grown.insert(Contribution.of(c));
        assertArrayEquals(m.candidates().get(0).change(), grown.candidates().get(0).change());
    }

    @Test
    void retrieveKeepsEachGroupAsItsOwnMemoryWithItsOwnThreshold() {
        SideMemory m = SideMemory.of(List.of(edit(0, 1, 1, 4, true, 1, 0, 0, 0, 0, 0),
                edit(1, 1, 1, 10, true, 0, 1, 0, 0, 0, 0)));
        List<SideMemory.Candidate> cs = m.candidates();
        assertEquals(2, cs.size());
        assertEquals(2.0, cs.get(0).threshold(), 1e-12);
        assertEquals(5.0, cs.get(1).threshold(), 1e-12);
    }

    @Test
    void tokensWhoseScoreReachesTheThresholdTakeTheSideMemoryOthersPassThrough() {
        // ΔW = [[1, 0, 0], [0, 0, 2]], threshold 0.5 · 6 = 3
        Adapter a = edit(0, 10, 10, 6, false, 1, 0, 0, 0, 0, 2);
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            AdapterModule module = new SideMemoryKind().build(List.of(a), nd);
            // token 0: a = [3, 0, 1] -> ΔW a = [3, 2], score √13 ≈ 3.61 >= 3: value + [3, 2]
            // token 1: a = [1, 5, 1] -> ΔW a = [1, 2], score √5 ≈ 2.24 < 3: value unchanged
            NDArray key = nd.create(new float[] {3, 0, 1, 1, 5, 1}, new Shape(1, 2, 3));
            NDArray value = nd.create(new float[] {10, 20, 30, 40}, new Shape(1, 2, 2));
            assertArrayEquals(new float[] {13, 22, 30, 40}, module.apply(key, value).toFloatArray(), 1e-5f);
            // a second edit of the shard: ΔW = [[1, 0, 0], [0, 1, 2]]; token 1 now scores |[1, 7]| ≈ 7.07
            AdapterModule two = module.extend(edit(1, 10, 10, 6, false, 0, 0, 0, 0, 1, 0), nd);
            assertArrayEquals(new float[] {13, 22, 31, 47}, two.apply(key, value).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void theMostActiveCandidateAboveItsOwnThresholdWins() {
        // retrieve: memory A = [[1, 0, 0], [0, 0, 0]] (threshold 0.5 · 4 = 2), B = [[0, 1, 0], [0, 0, 0]] (0.5 · 10 = 5)
        List<Adapter> memories = List.of(edit(0, 1, 1, 4, true, 1, 0, 0, 0, 0, 0),
                edit(1, 1, 1, 10, true, 0, 1, 0, 0, 0, 0));
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            AdapterModule module = new SideMemoryKind().build(memories, nd);
            NDArray key = nd.create(new float[] {3, 4, 0, 1, 6, 0, 0, 0, 9, 3, 5.5f, 0}, new Shape(1, 4, 3));
            NDArray value = nd.zeros(new Shape(1, 4, 2));
            // A only (B's 4 < 5); B only (A's 1 < 2); neither; both, B more active
            assertArrayEquals(new float[] {3, 0, 6, 0, 0, 0, 5.5f, 0}, module.apply(key, value).toFloatArray(),
                    1e-5f);
        }
    }

    @Test
    void aContributionForAnotherShapeOrWithTooFewValuesIsRefused() {
        ModelArchitecture arch = WiseHyperparametersTest.DEMO;
        Adapter small = edit(0, 1, 1, 1, false, 1, 0, 0, 0, 0, 0);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new SideMemoryKind().check(small, arch));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
        Adapter broken = new Adapter("x1", SideMemoryKind.KIND, 0, java.util.Map.of("rows", 2));
        e = assertThrows(InvalidRequestException.class, () -> new SideMemoryKind().check(broken, arch));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
    }
}
