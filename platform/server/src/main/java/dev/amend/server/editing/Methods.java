package dev.amend.server.editing;

import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.EvaluatorLease;
import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.runtime.plugins.PluginChecks;
import dev.amend.runtime.plugins.PluginEvent;
import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.server.model.HostedModel;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one place the host looks up editing methods and evaluators: the plugin catalog over the class path and the
 * jars in the plugins directory ({@code amend.plugins.dir}, {@code AMEND_PLUGINS_DIR}; default
 * {@link AmendDirs#plugins()}), watched and hot-swapped; new jars are checked in a child JVM first
 * ({@code amend.plugins.check-in-child-jvm}, {@code amend.plugins.check-timeout-millis}). Every edit takes a lease on its method and evaluators, so
 * it finishes on the versions it started with even if their jar is replaced or removed meanwhile.
 */
@ApplicationScoped
public class Methods {
    private static final Logger LOG = Logger.getLogger(Methods.class);

    @ConfigProperty(name = "amend.plugins.dir")
    Optional<Path> pluginsDir;

    @ConfigProperty(name = "amend.plugins.poll-millis", defaultValue = "1000")
    long pollMillis;

    @ConfigProperty(name = "amend.plugins.check-in-child-jvm", defaultValue = "true")
    boolean checkInChildJvm;

    @ConfigProperty(name = "amend.plugins.check-timeout-millis", defaultValue = "20000")
    long checkTimeoutMillis;

    private volatile PluginCatalog catalog;

    void start(@Observes StartupEvent event) {
        catalog();
    }

    void stop(@Observes ShutdownEvent event) {
        PluginCatalog c = catalog;
        if (c != null) {
            c.close();
        }
    }

    /** Returns the catalog, opening it (and logging its jars) on first use. */
    public synchronized PluginCatalog catalog() {
        if (catalog == null) {
            Path dir = pluginsDir.orElseGet(AmendDirs::plugins).toAbsolutePath().normalize();
            PluginChecks checks = new PluginChecks(checkInChildJvm, Duration.ofMillis(Math.max(100, checkTimeoutMillis)));
            PluginCatalog c = PluginCatalog.open(dir, Duration.ofMillis(Math.max(10, pollMillis)),
                    EditorProvider.class.getClassLoader(), checks);
            c.addListener(Methods::log);
            LOG.infof("plugins directory %s (watched every %d ms; new jars checked %s, %d ms each): %s", dir,
                    pollMillis, checkInChildJvm ? "in a child JVM" : "in this JVM only", checks.timeout().toMillis(),
                    c.plugins().isEmpty() ? "no jars" : c.plugins().stream().map(Methods::summary).toList());
            catalog = c;
        }
        return catalog;
    }

    private static void log(PluginEvent e) {
        switch (e.kind()) {
            case LOADED -> LOG.infof("plugin loaded: %s", summary(e.plugin()));
            case FAILED -> LOG.warnf("plugin failed to load: %s", summary(e.plugin()));
            case UNLOADED -> LOG.infof("plugin unloaded: %s (edits holding it finish on it)",
                    e.plugin().file().getFileName());
        }
    }

    /** Returns a one-line description of a plugin jar for the log. */
    private static String summary(PluginInfo p) {
        String name = p.file().getFileName().toString();
        if (p.status() == PluginInfo.Status.FAILED) {
            return name + " FAILED: " + p.reason();
        }
        List<String> provided = new java.util.ArrayList<>();
        p.editors().forEach(x -> provided.add("editor " + x.name() + " " + x.version()));
        p.evaluators().forEach(x -> provided.add("evaluator " + x.name() + " " + x.version()));
        p.adapterKinds().forEach(x -> provided.add("adapter kind " + x.name() + " " + x.version()));
        return name + " " + p.status() + " " + provided;
    }

    /** Returns the plugins directory. */
    public Path directory() {
        return catalog().directory();
    }

    /** Returns the names of the editors served now, sorted. */
    public Set<String> editorNames() {
        return new TreeSet<>(catalog().registry().editors().keySet());
    }

    /** Returns the editors served now with their origin, version and hyperparameters with the defaults for {@code arch}. */
    public List<MethodInfo> editors(ModelArchitecture arch) {
        return catalog().editors(arch);
    }

    /** Returns the evaluators served now with their origin, version and protocol. */
    public List<MethodInfo> evaluators() {
        return catalog().evaluators();
    }

    /** Returns the methods served now with their defaults for {@code model}, and the evaluators. */
    public MethodListing listing(HostedModel model) {
        return new MethodListing(model.name(), editors(model.serving().architecture()), evaluators());
    }

    /** Returns the plugins directory with its jars and the retired ones still held by running edits. */
    public PluginListing pluginListing() {
        return new PluginListing(directory(), plugins(), catalog().retired());
    }

    /** Returns the plugin jars with their status (LOADED or FAILED with the reason) and methods. */
    public List<PluginInfo> plugins() {
        return catalog().plugins();
    }

    /**
     * Returns a lease on method {@code name} configured for {@code arch} with {@code overrides} over its defaults, or
     * throws {@link dev.amend.spi.InvalidRequestException} naming the installed methods or the bad hyperparameters.
     * Close the lease when the edit is done.
     */
    public EditorLease leaseEditor(String name, ModelArchitecture arch, Map<String, ?> overrides) {
        return catalog().leaseEditor(name, arch, overrides, "hparams");
    }

    /**
     * Returns a lease on evaluator {@code name}, or throws {@link dev.amend.spi.InvalidRequestException} listing the
     * installed ones. Close the lease when the edit is done.
     */
    public EvaluatorLease leaseEvaluator(String name) {
        return catalog().leaseEvaluator(name);
    }
}
