package dev.amend.runtime.plugins;

import java.time.Duration;
import java.util.Objects;

/**
 * How the catalog checks a new plugin jar before serving it.
 *
 * @param inChildJvm whether the jar is first loaded and checked in a short-lived child JVM ({@link PluginJarCheck}),
 *                   so that a jar whose code calls System.exit, hangs or throws never enters this JVM
 * @param timeout    how long one jar's provider calls may take together, in the child JVM and in this one (a jar
 *                   that takes longer is rejected)
 */
public record PluginChecks(boolean inChildJvm, Duration timeout) {
    /** Checks in a child JVM with 20 s per jar. */
    public static final PluginChecks DEFAULT = new PluginChecks(true, Duration.ofSeconds(20));

    /** Checks the timeout. */
    public PluginChecks {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the plugin check timeout must be positive, got " + timeout);
        }
    }
}
