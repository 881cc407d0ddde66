package dev.amend.editors.wise;

import dev.amend.spi.edit.Adapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * WISE's side memory at one block, as the change ΔW = W_side − W_main ([d, d_ff], row-major), rebuilt from the
 * edits' contributions oldest first. Edit number {@code ordinal} belongs to shard {@code ordinal / save_freq} and
 * merge group {@code ordinal / merge_freq}; its contribution is what its training added to its shard, at the entries
 * of the shard's mask. A shard's change is the sum of its edits' contributions. When an edit at or past the last
 * ordinal of a merge group arrives, the group's shards are merged: without {@code retrieve} into the one merged
 * memory (the first merge with weights {@code weights / n} over the n shards, later ones {@code 0.4 / n} per shard
 * and 0.6 for the merged memory so far, as EasyEdit); with {@code retrieve} into a memory of the group's own. The
 * routing candidates are the merged memories and the shards not merged yet.
 *
 * <p>Because the state is a function of the remaining contributions, removing an edit gives the memory its
 * contribution was never added to, and a replay gives the same memory bit for bit.
 */
final class SideMemory {
    /** One candidate of the routing: a change of the output projection and its threshold. */
    record Candidate(float[] change, double threshold) {
    }

    /** A shard not merged yet: its group, the ordinal that closes the group, its change and its edits' least score. */
    private record Shard(int group, int closingOrdinal, float[] change, double leastScore) {
    }

    /** A merged memory and the least score of the edits in it. */
    private record Memory(float[] change, double leastScore) {
    }

    private final int rows;
    private final int size;
    private final List<Memory> merged = new ArrayList<>();
    private final TreeMap<Integer, Shard> pending = new TreeMap<>();
    private double leastScore = Double.POSITIVE_INFINITY;
    private int lastOrdinal = -1;
    private Contribution newest;

    private SideMemory(int rows, int columns) {
        this.rows = rows;
        this.size = rows * columns;
    }

    /** Returns the empty memory of a [rows, columns] output projection. */
    static SideMemory empty(int rows, int columns) {
        return new SideMemory(rows, columns);
    }

    /** Returns the memory the contributions of {@code adapters} (at least one) build, oldest first. */
    static SideMemory of(List<Adapter> adapters) {
        Contribution first = Contribution.of(adapters.get(0));
        SideMemory m = new SideMemory(first.rows(), first.columns());
        adapters.forEach(a -> m.insert(Contribution.of(a)));
        return m;
    }

    /** Returns a copy (arrays are shared: they are never written after they are made). */
    SideMemory copy() {
        SideMemory m = new SideMemory(rows, size / rows);
        m.merged.addAll(merged);
        m.pending.putAll(pending);
        m.leastScore = leastScore;
        m.lastOrdinal = lastOrdinal;
        m.newest = newest;
        return m;
    }

    /** Adds contribution {@code c}, then merges every pending group that an ordinal up to {@code c}'s closes. */
    void insert(Contribution c) {
        if (c.rows() * c.columns() != size) {
            throw new IllegalArgumentException("a contribution for a " + c.rows() + " x " + c.columns()
                    + " projection in a side memory of " + size + " entries");
        }
        Shard old = pending.get(c.shard());
        float[] change = old == null ? new float[size] : old.change().clone();
        ShardMask.scatterAdd(change, c.entries(), c.values());
        pending.put(c.shard(), new Shard(c.group(), c.closingOrdinal(),
                change, Math.min(old == null ? Double.POSITIVE_INFINITY : old.leastScore(), c.score())));
        leastScore = Math.min(leastScore, c.score());
        lastOrdinal = Math.max(lastOrdinal, c.ordinal());
        newest = c;
        while (true) {
            Integer closed = pending.values().stream().filter(s -> s.closingOrdinal() <= lastOrdinal)
                    .map(Shard::group).min(Integer::compare).orElse(null);
            if (closed == null) {
                return;
            }
            mergeGroup(closed);
        }
    }

    private void mergeGroup(int group) {
        List<float[]> changes = new ArrayList<>();
        double least = Double.POSITIVE_INFINITY;
        for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Shard> e = it.next();
            if (e.getValue().group() == group) {
                changes.add(e.getValue().change());
                least = Math.min(least, e.getValue().leastScore());
                it.remove();
            }
        }
        int n = changes.size();
        List<Double> w = new ArrayList<>();
        if (newest.retrieve() || merged.isEmpty()) {
            changes.forEach(c -> w.add(newest.weights() / n));
        } else {
            changes.forEach(c -> w.add(0.4 / n));
            changes.add(merged.get(0).change());
            w.add(0.6);
        }
        float[] change = TiesMerge.merge(newest.mergeAlg(), changes,
                w.stream().mapToDouble(Double::doubleValue).toArray(), newest.densities());
        if (!newest.retrieve()) {
            merged.clear();
        }
        merged.add(new Memory(change, least));
    }

    /**
     * Returns the routing candidates: the merged memories, then the pending shards by shard number. Without
     * {@code retrieve} every threshold is {@code act_ratio} times the least score of all edits; with it, of the
     * edits in that candidate.
     */
    List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        double ratio = newest.actRatio();
        for (Memory m : merged) {
            out.add(new Candidate(m.change(), ratio * (newest.retrieve() ? m.leastScore() : leastScore)));
        }
        for (Shard s : pending.values()) {
            out.add(new Candidate(s.change(), ratio * (newest.retrieve() ? s.leastScore() : leastScore)));
        }
        return out;
    }

    /** Returns the change of pending shard {@code shard} (zeros when it has none). */
    float[] shard(int shard) {
        Shard s = pending.get(shard);
        return s == null ? new float[size] : s.change();
    }

    /** Returns d, the rows of a change. */
    int rows() {
        return rows;
    }

    /** Returns the ordinal of the newest edit, -1 when there is none. */
    int lastOrdinal() {
        return lastOrdinal;
    }

    /** Returns the newest contribution (null when empty). */
    Contribution newest() {
        return newest;
    }

    /** Returns the number of merged memories. */
    int mergedCount() {
        return merged.size();
    }
}
