package dev.amend.spi;

/** Receives progress of long work (statistics, optimisation, training). */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = (stage, done, total) -> { };

    /** Reports that {@code done} of {@code total} units of {@code stage} are finished. */
    void progress(String stage, long done, long total);
}
