package dev.amend.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What the host gives an editor besides the model: a seed, a progress sink, a cancellation flag, a
 * directory for caches, and the text corpus layer statistics are collected from.
 *
 * @param seed             seed for everything random in the edit
 * @param progress         progress sink
 * @param cancelled        returns true when the caller gave up; editors check it between steps
 * @param cacheDir         directory for on-disk caches
 * @param statisticsCorpus text for layer statistics (the model's own text for the demo model); may be null
 */
public record EditContext(long seed, ProgressListener progress, BooleanSupplier cancelled, Path cacheDir,
                          dev.amend.spi.kit.TextCorpus statisticsCorpus) {
    /** Checks the fields. */
    public EditContext {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(cacheDir, "cacheDir");
    }

    /** Returns a context with seed 0, no progress, never cancelled, caching under {@code cacheDir}. */
    public static EditContext defaults(Path cacheDir, dev.amend.spi.kit.TextCorpus corpus) {
        return new EditContext(0, ProgressListener.NONE, () -> false, cacheDir, corpus);
    }

    /** Returns the statistics corpus, or throws saying how to give one. */
    public dev.amend.spi.kit.TextCorpus requireCorpus() {
        if (statisticsCorpus == null) {
            throw new InvalidRequestException("this method needs layer statistics and no text corpus was given: "
                    + "pass a local corpus (--corpus FILE, plain text or JSON lines)");
        }
        return statisticsCorpus;
    }

    /** Throws when the caller gave up. */
    public void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new java.util.concurrent.CancellationException("the edit was cancelled");
        }
    }
}
