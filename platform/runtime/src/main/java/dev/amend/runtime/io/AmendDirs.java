package dev.amend.runtime.io;

import java.nio.file.Path;

/**
 * Where Amend keeps things on disk: caches ({@code -Damend.cache.dir}, {@code AMEND_CACHE_DIR}, or
 * {@code ~/.cache/amend}) and plugin jars ({@code -Damend.plugins.dir}, {@code AMEND_PLUGINS_DIR}, or
 * {@code ~/.amend/plugins}).
 */
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

    /** Returns the plugins directory (jars with editors and evaluators; it need not exist). */
    public static Path plugins() {
        String p = System.getProperty("amend.plugins.dir");
        if (p == null || p.isBlank()) {
            p = System.getenv("AMEND_PLUGINS_DIR");
        }
        if (p == null || p.isBlank()) {
            p = System.getProperty("user.home") + "/.amend/plugins";
        }
        return Path.of(p);
    }
}
