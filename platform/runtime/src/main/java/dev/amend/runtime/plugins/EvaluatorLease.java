package dev.amend.runtime.plugins;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/**
 * An evaluator provider taken from the catalog, pinning the plugin version it came from until closed (like
 * {@link EditorLease}).
 */
public final class EvaluatorLease implements AutoCloseable {
    private final String origin;
    private final EvaluatorProvider provider;
    private final Runnable release;

    EvaluatorLease(String origin, EvaluatorProvider provider, Runnable release) {
        this.origin = origin;
        this.provider = provider;
        this.release = release;
    }

    /** Returns the evaluator's name. */
    public String name() {
        return provider.name();
    }

    /** Returns the provider's version at the time the lease was taken. */
    public String version() {
        return provider.version();
    }

    /** Returns {@code classpath} or {@code plugin:<jar file name>}. */
    public String origin() {
        return origin;
    }

    /** Returns the provider. */
    public EvaluatorProvider provider() {
        return provider;
    }

    /** Returns a new evaluator from the pinned provider. */
    public Evaluator create() {
        return provider.create();
    }

    /** Releases the pinned plugin version (idempotent). */
    @Override
    public void close() {
        release.run();
    }
}
