package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.spi.Editor;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.MethodProvider;
import java.util.List;

/**
 * A configured editor taken from the catalog. It pins the plugin version it came from: while the lease is open,
 * its class loader stays open even if the jar is replaced or removed. Close it when the edit is done.
 */
public final class EditorLease implements AutoCloseable {
    private final String name;
    private final String origin;
    private final EditorRegistry.Configured configured;
    private final Runnable release;

    EditorLease(String name, String origin, EditorRegistry.Configured configured, Runnable release) {
        this.name = name;
        this.origin = origin;
        this.configured = configured;
        this.release = release;
    }

    /** Returns the method's name as asked for. */
    public String name() {
        return name;
    }

    /** Returns the provider's version at the time the lease was taken. */
    public String version() {
        return configured.provider().version();
    }

    /** Returns {@code classpath} or {@code plugin:<jar file name>}. */
    public String origin() {
        return origin;
    }

    /** Returns the provider. */
    public MethodProvider<?> provider() {
        return configured.provider();
    }

    /** Returns the configured editor. */
    public Editor editor() {
        return configured.editor();
    }

    /** Returns the bound hyperparameters. */
    public Hyperparameters hyperparameters() {
        return configured.hyperparameters();
    }

    /** Returns the keys of the hyperparameter source that the method does not use. */
    public List<String> ignored() {
        return configured.ignored();
    }

    /** Returns the registry's view of the configured editor. */
    public EditorRegistry.Configured configured() {
        return configured;
    }

    /** Releases the pinned plugin version (idempotent). */
    @Override
    public void close() {
        release.run();
    }
}
