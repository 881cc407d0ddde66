package dev.amend.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What the host gives an editor besides the model: a seed, a progress sink, a cancellation flag and a
 * directory for caches (layer statistics).
 *
 * @param seed      seed for everything random in the edit
 * @param progress  progress sink
 * @param cancelled returns true when the caller gave up; editors check it between steps
 * @param cacheDir  directory for on-disk caches
 */
public record EditContext(long seed, ProgressListener progress, BooleanSupplier cancelled, Path cacheDir) {
    /** Checks the fields. */
    public EditContext {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(cacheDir, "cacheDir");
    }

    /** Returns a context with seed 0, no progress, never cancelled, caching under {@code cacheDir}. */
    public static EditContext defaults(Path cacheDir) {
        return new EditContext(0, ProgressListener.NONE, () -> false, cacheDir);
    }
}
