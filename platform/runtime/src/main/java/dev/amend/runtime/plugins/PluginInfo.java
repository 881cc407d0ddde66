package dev.amend.runtime.plugins;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What the catalog knows about one plugin jar.
 *
 * @param file      the jar in the plugins directory, or in its {@code rejected/} folder when its code failed
 * @param status    {@link Status#LOADED}, {@link Status#FAILED}, or {@link Status#RETIRED} (replaced or removed,
 *                  still held by leases)
 * @param reason    why it failed to load, and for a rejected jar where it was moved (null unless FAILED)
 * @param editors   the editors it provides (empty when FAILED)
 * @param evaluators the evaluators it provides (empty when FAILED)
 * @param loadedAt  when the catalog (tried to) load it
 * @param size      the jar's size in bytes
 * @param sha256    hex SHA-256 of the jar's content, or null when it could not be read
 * @param leases    leases currently held on it
 * @param adapterKinds the adapter kinds it provides (modules edits add to the forward pass; empty when FAILED)
 */
public record PluginInfo(Path file, Status status, String reason, List<Provided> editors, List<Provided> evaluators,
                         Instant loadedAt, long size, String sha256, int leases, List<Provided> adapterKinds) {

    /** Copies the lists. */
    public PluginInfo {
        editors = List.copyOf(editors);
        evaluators = List.copyOf(evaluators);
        adapterKinds = List.copyOf(adapterKinds);
    }

    /** The state of a plugin jar. */
    public enum Status {
        /** Its methods are served. */
        LOADED,
        /** It could not be loaded; {@link PluginInfo#reason()} says why; nothing of it is served. */
        FAILED,
        /** Replaced or removed from the directory; kept open only for the leases taken on it. */
        RETIRED
    }

    /**
     * A method (or adapter kind) a plugin provides.
     *
     * @param name    the method's (or kind's) name
     * @param version the provider's version
     */
    public record Provided(String name, String version) {
    }
}
