package dev.amend.editors.alphaedit;

import dev.amend.kit.linalg.NullSpaceProjector;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The null-space projectors AlphaEdit has built (an eigendecomposition of C each), kept for later edits with the
 * same model, layer, statistics and threshold. Bounded: it holds at most {@link #BUDGET_DOUBLES} stored doubles
 * in all (512 MiB; the most recent projector is always kept), dropping the least recently used first.
 */
final class ProjectorCache {
    /** The most doubles the cached projectors store together: 2²⁶, 512 MiB. */
    static final long BUDGET_DOUBLES = 1L << 26;

    private final long budget;
    private final LinkedHashMap<String, NullSpaceProjector> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long stored;

    /** Creates a cache holding at most {@code budgetDoubles} stored doubles. */
    ProjectorCache(long budgetDoubles) {
        this.budget = budgetDoubles;
    }

    /** Returns the projector under {@code key}, building it with {@code build} when it is not cached. */
    synchronized NullSpaceProjector get(String key, Supplier<NullSpaceProjector> build) {
        NullSpaceProjector p = entries.get(key);
        if (p != null) {
            return p;
        }
        p = build.get();
        entries.put(key, p);
        stored += p.storedDoubles();
        Iterator<Map.Entry<String, NullSpaceProjector>> oldest = entries.entrySet().iterator();
        while (stored > budget && entries.size() > 1) {
            stored -= oldest.next().getValue().storedDoubles();
            oldest.remove();
        }
        return p;
    }

    /** Returns the number of cached projectors. */
    synchronized int size() {
        return entries.size();
    }
}
