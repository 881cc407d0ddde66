package dev.amend.runtime.io;

import java.nio.file.Path;

/** Where Amend keeps caches on disk: {@code -Damend.cache.dir}, {@code AMEND_CACHE_DIR}, or {@code ~/.cache/amend}. */
public final class AmendDirs {
    private AmendDirs() {
    }

    /** Returns the cache directory (layer statistics, unpacked checkpoints). */
    public static Path cache() {
        String p = System.getProperty("amend.cache.dir");
        if (p == null || p.isBlank()) {
            p = System.getenv("AMEND_CACHE_DIR");
        }
        if (p == null || p.isBlank()) {
            p = System.getProperty("user.home") + "/.cache/amend";
        }
        return Path.of(p);
    }
}
