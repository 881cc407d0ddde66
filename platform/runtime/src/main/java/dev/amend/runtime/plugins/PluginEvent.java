package dev.amend.runtime.plugins;

/**
 * A change in the plugins directory as the catalog applied it.
 *
 * @param kind   what happened
 * @param plugin the jar it happened to (for {@link Kind#UNLOADED}: as it was before)
 */
public record PluginEvent(Kind kind, PluginInfo plugin) {

    /** What happened to a jar. */
    public enum Kind {
        /** A new or replaced jar was loaded and its methods are served. */
        LOADED,
        /** A jar failed to load; its reason is in the info. */
        FAILED,
        /** A jar was removed or replaced: new leases no longer see it; leases already taken keep it open. */
        UNLOADED
    }

    /** Receives the catalog's changes (on the thread that scanned the directory). */
    @FunctionalInterface
    public interface Listener {
        /** Called once per change. */
        void onChange(PluginEvent event);
    }
}
