package dev.amend.spi.edit;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
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
 * @param history          the edits already applied to the model, oldest first (AlphaEdit reads the keys of
 *                         earlier edits from their metadata)
 */
public record EditContext(long seed, ProgressListener progress, BooleanSupplier cancelled, Path cacheDir,
                          dev.amend.spi.edit.TextCorpus statisticsCorpus, java.util.List<Edit> history) {
    /** Checks the fields. */
    public EditContext {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancelled, "cancelled");
        Objects.requireNonNull(cacheDir, "cacheDir");
        history = history == null ? java.util.List.of() : java.util.List.copyOf(history);
    }

    /** Returns a context with seed 0, no progress, never cancelled, caching under {@code cacheDir}. */
    public static EditContext defaults(Path cacheDir, dev.amend.spi.edit.TextCorpus corpus) {
        return new EditContext(0, ProgressListener.NONE, () -> false, cacheDir, corpus, java.util.List.of());
    }

    /** Returns this context with {@code edits} as the history. */
    public EditContext withHistory(java.util.List<Edit> edits) {
        return new EditContext(seed, progress, cancelled, cacheDir, statisticsCorpus, edits);
    }

    /** Returns this context with another seed. */
    public EditContext withSeed(long newSeed) {
        return new EditContext(newSeed, progress, cancelled, cacheDir, statisticsCorpus, history);
    }

    /** Returns the statistics corpus, or throws saying how to give one. */
    public dev.amend.spi.edit.TextCorpus requireCorpus() {
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
