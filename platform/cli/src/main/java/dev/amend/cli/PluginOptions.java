package dev.amend.cli;

import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.runtime.plugins.PluginInfo;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The option that chooses the plugins directory, and the catalog it opens. */
final class PluginOptions {
    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Plugin jars with more editors and evaluators (default: $AMEND_PLUGINS_DIR or ~/.amend/plugins).")
    Path pluginsDir;

    /** Returns the chosen directory (it need not exist). */
    Path directory() {
        return pluginsDir != null ? pluginsDir : AmendDirs.plugins();
    }

    /** Returns the catalog of the class path and the directory (not watched), noting failed jars on stderr. */
    PluginCatalog open() {
        PluginCatalog catalog = PluginCatalog.open(directory(), Duration.ZERO);
        for (PluginInfo p : catalog.plugins()) {
            if (p.status() == PluginInfo.Status.FAILED) {
                System.err.println("note: plugin " + p.file() + " is not loaded: " + p.reason());
            }
        }
        return catalog;
    }

    /** Returns {@code model} looking adapter kinds up in {@code catalog} (the class path's and the plugin jars'). */
    static Transformer withKinds(PluginCatalog catalog, Transformer model) {
        model.useAdapterKinds(catalog.adapterKinds());
        return model;
    }
}
