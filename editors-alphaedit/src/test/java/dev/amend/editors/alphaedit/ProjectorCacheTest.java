package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.amend.kit.linalg.NullSpaceProjector;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The projector cache keeps what its budget allows, least recently used out first, and always the newest. */
class ProjectorCacheTest {
    static NullSpaceProjector projector() {
        return NullSpaceProjector.of(new double[] {1e-3, 0, 0, 1e-3}, 2, 0.02);
    }

    @Test
    void theLeastRecentlyUsedProjectorLeavesFirstWhenTheBudgetIsFull() {
        long each = projector().storedDoubles();
        ProjectorCache cache = new ProjectorCache(2 * each);
        AtomicInteger built = new AtomicInteger();
        NullSpaceProjector a = cache.get("a", () -> {
            built.incrementAndGet();
            return projector();
        });
        cache.get("b", ProjectorCacheTest::projector);
        assertSame(a, cache.get("a", ProjectorCacheTest::projector), "a hit returns the cached projector");
        cache.get("c", ProjectorCacheTest::projector);                    // b is the least recently used
        assertEquals(2, cache.size());
        assertSame(a, cache.get("a", () -> {
            built.incrementAndGet();
            return projector();
        }));
        assertEquals(1, built.get(), "a stayed");
        NullSpaceProjector b = cache.get("b", ProjectorCacheTest::projector);
        assertNotSame(a, b);
        assertEquals(2, cache.size(), "b came back in place of c");
        ProjectorCache tiny = new ProjectorCache(1);
        tiny.get("x", ProjectorCacheTest::projector);
        tiny.get("y", ProjectorCacheTest::projector);
        assertEquals(1, tiny.size(), "the newest projector is kept even over the budget");
    }
}
