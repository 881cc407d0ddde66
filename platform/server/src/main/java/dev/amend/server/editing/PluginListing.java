package dev.amend.server.editing;

import dev.amend.runtime.plugins.PluginInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * The plugins directory and its jars.
 *
 * @param directory the directory
 * @param plugins   the jars in it: loaded, or failed with the reason
 * @param retired   replaced or removed jars still held by running edits
 */
public record PluginListing(Path directory, List<PluginInfo> plugins, List<PluginInfo> retired) {
    /** Copies the lists. */
    public PluginListing {
        plugins = List.copyOf(plugins);
        retired = List.copyOf(retired);
    }
}
