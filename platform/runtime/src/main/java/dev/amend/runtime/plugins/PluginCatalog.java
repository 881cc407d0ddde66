package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.plugins.PluginEvent.Kind;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.runtime.model.AdapterKinds;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed editors and evaluators: those on the class path plus those of the jars in a plugins directory,
 * each jar in its own class loader whose parent is the loader of the SPI.
 *
 * <p>Each jar is copied to a private temporary file before it is opened, so the file in the directory may be
 * replaced or deleted at any time. A background watcher polls the directory (a new or changed jar is loaded
 * once its size and modification time are the same on two consecutive polls, so a half-copied jar is not
 * loaded); {@link #refresh()} rescans at once. A replaced jar's methods are served from the new version for new
 * leases, while leases already taken keep the old class loader open until the last of them is closed. The
 * watcher also waits for a second look before it unloads a jar that disappeared (a copy that deletes first).
 *
 * <p>A new or changed jar is first loaded and checked in a short-lived child JVM ({@link PluginJarCheck}; see
 * {@link PluginChecks}), then opened in this JVM on a thread of its own with a time limit; no plugin code ever runs
 * while the catalog holds its lock, and {@link #close()} never waits for a scan. A jar whose code fails (throws
 * anything, calls System.exit, does not answer in time) is rejected: moved to {@code rejected/} inside the plugins
 * directory beside {@code NAME.jar.reason.txt}, and listed FAILED with that reason. A jar that is merely unfit (not
 * a jar, no providers, a name already taken by the class path or an earlier jar) stays where it is, FAILED with
 * its reason. Either way nothing of it is served and the rest keeps working. Names are resolved in one place,
 * {@link EditorRegistry}.
 */
public final class PluginCatalog implements AutoCloseable {
    /** The default polling interval of the watcher. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The origin of methods found on the class path. */
    public static final String CLASSPATH = "classpath";

    /** The folder inside the plugins directory that rejected jars are moved to. */
    public static final String REJECTED = RejectedJars.FOLDER;

    private static final Logger LOG = LoggerFactory.getLogger(PluginCatalog.class);

    private final Path directory;
    private final DirectoryScan directoryScan;
    private final PluginAdmission admission;
    private final RejectedJars rejectedJars;
    private final PluginChecks checks;
    private final InstalledJars installed;
    private final Object scanMonitor = new Object();
    private final PluginEvents events = new PluginEvents();
    private final ScheduledExecutorService watcher;
    private volatile boolean closed;

    private PluginCatalog(Path directory, Duration pollInterval, ClassLoader classPathLoader, PluginChecks checks)
            throws IOException {
        this.directory = directory;
        Path workDir = Files.createTempDirectory("amend-plugins-");
        this.installed = new InstalledJars(EditorRegistry.load(classPathLoader), classPathKinds(classPathLoader),
                workDir);
        this.directoryScan = new DirectoryScan(directory);
        this.checks = checks;
        this.admission = new PluginAdmission(workDir, checks);
        this.rejectedJars = new RejectedJars(directory);
        scan(false);
        if (directory != null && pollInterval != null && !pollInterval.isZero() && !pollInterval.isNegative()) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "amend-plugin-watcher");
                t.setDaemon(true);
                return t;
            });
            long ms = Math.max(10, pollInterval.toMillis());
            watcher.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            watcher = null;
        }
    }

    /**
     * Returns a catalog of the class path and the jars in {@code pluginsDir} (null or absent: class path only;
     * a directory created later is picked up), watched every {@link #DEFAULT_POLL_INTERVAL}.
     */
    public static PluginCatalog open(Path pluginsDir) {
        return open(pluginsDir, DEFAULT_POLL_INTERVAL);
    }

    /**
     * Returns a catalog of the class path and the jars in {@code pluginsDir}, polled every {@code pollInterval}
     * (null or zero: no watcher; call {@link #refresh()} to pick up changes).
     */
    public static PluginCatalog open(Path pluginsDir, Duration pollInterval) {
        return open(pluginsDir, pollInterval, EditorProvider.class.getClassLoader());
    }

    /**
     * Returns a catalog whose class-path methods are those ServiceLoader finds through {@code classPathLoader}
     * (normally the SPI's loader; tests pass a loader with extra service files), plus the jars in
     * {@code pluginsDir} polled every {@code pollInterval}. Plugin jars' loaders always have the SPI's loader as
     * parent.
     */
    public static PluginCatalog open(Path pluginsDir, Duration pollInterval, ClassLoader classPathLoader) {
        return open(pluginsDir, pollInterval, classPathLoader, PluginChecks.DEFAULT);
    }

    /**
     * Returns a catalog like {@link #open(Path, Duration, ClassLoader)} whose new jars are checked as
     * {@code checks} says.
     */
    public static PluginCatalog open(Path pluginsDir, Duration pollInterval, ClassLoader classPathLoader,
                                     PluginChecks checks) {
        try {
            return new PluginCatalog(pluginsDir == null ? null : pluginsDir.toAbsolutePath().normalize(),
                    pollInterval, classPathLoader, checks);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plugins' work directory", e);
        }
    }

    /**
     * Returns the adapter kinds served now (the class path's, then the loaded jars'), read afresh at each look-up so
     * a model using them sees a jar installed later; a model's edits from a plugin's kind apply, replay and import
     * once that jar is loaded.
     */
    public AdapterKinds adapterKinds() {
        return AdapterKinds.of(() -> installed.snapshot().adapterKinds().values());
    }

    private static Map<String, AdapterKind> classPathKinds(ClassLoader loader) {
        Map<String, AdapterKind> out = new TreeMap<>();
        for (AdapterKind k : ServiceLoader.load(AdapterKind.class, loader)) {
            out.putIfAbsent(k.kind().toLowerCase(java.util.Locale.ROOT), k);
        }
        return out;
    }

    /** Returns the plugins directory, or null when there is none. */
    public Path directory() {
        return directory;
    }

    /** Rescans the plugins directory now and applies every change before returning. */
    public void refresh() {
        scan(false);
    }

    /** Adds a listener for loads, failures and unloads. */
    public void addListener(PluginEvent.Listener listener) {
        events.add(listener);
    }

    /** Removes a listener; returns whether it was registered. */
    public boolean removeListener(PluginEvent.Listener listener) {
        return events.remove(listener);
    }

    /**
     * Returns the jars in the plugins directory, in file-name order, each LOADED or FAILED with its reason, then
     * the jars in {@code rejected/} whose names are not in the directory (FAILED, with why they were rejected).
     */
    public List<PluginInfo> plugins() {
        List<PluginInfo> out = new ArrayList<>(installed.infos());
        Set<String> names = new HashSet<>();
        out.forEach(p -> names.add(p.file().getFileName().toString()));
        out.addAll(rejectedJars.list(names));
        return out;
    }

    /** Returns the replaced or removed jars still held open by leases (status RETIRED). */
    public List<PluginInfo> retired() {
        return installed.retiredInfos();
    }

    /** Returns the registry of every method served now (class path first, then loaded jars). */
    public EditorRegistry registry() {
        return installed.snapshot().registry();
    }

    /** Returns the editors served now, with their hyperparameters but no defaults. */
    public List<MethodInfo> editors() {
        return editors(null);
    }

    /**
     * Returns the editors served now, with their hyperparameters and the defaults for {@code arch}; a plugin
     * method that fails or does not answer within the check timeout is left out (and logged).
     */
    public List<MethodInfo> editors(ModelArchitecture arch) {
        return installed.snapshot().editorInfos(arch, checks.timeout());
    }

    /** Returns the evaluators served now (a plugin evaluator that fails to describe itself is left out). */
    public List<MethodInfo> evaluators() {
        return installed.snapshot().evaluatorInfos(checks.timeout());
    }

    /**
     * Returns the editor {@code name} configured for {@code arch} (its defaults with {@code overrides} bound over
     * them; {@code source} names where they came from, for messages), pinned to the plugin version served now.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones) or bad values
     */
    public EditorLease leaseEditor(String name, ModelArchitecture arch, Map<String, ?> overrides, String source) {
        InstalledJars.Pinned pinned = installed.pin(name, true);
        try {
            EditorRegistry.Configured c = pinned.snapshot().registry().configure(name, arch,
                    overrides == null ? Map.of() : overrides, source == null ? "request" : source);
            return new EditorLease(name, pinned.snapshot().origin(name, true), c, pinned.release());
        } catch (Throwable e) {
            pinned.release().run();
            throw e;
        }
    }

    /**
     * Returns the evaluator {@code name} pinned to the plugin version served now.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones)
     */
    public EvaluatorLease leaseEvaluator(String name) {
        InstalledJars.Pinned pinned = installed.pin(name, false);
        return new EvaluatorLease(pinned.snapshot().origin(name, false), pinned.snapshot().registry().evaluator(name),
                pinned.release());
    }

    /**
     * Checks the jar at {@code staged} (written where the catalog does not look, e.g. under a hidden name) as a new
     * jar is checked, before it is installed as {@code name}; returns null when it passed, else why not. A jar
     * whose code failed is moved to {@code rejected/} as {@code name}. Loading it next skips the child JVM.
     */
    public String vet(Path staged, String name) {
        if (closed) {
            throw new IllegalStateException("the plugin catalog is closed");
        }
        PluginJar j;
        try {
            j = admission.vet(staged);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the check was interrupted";
        }
        if (j.failure == PluginJar.Failure.FAULT) {
            try {
                j.reason = rejectedJars.reject(staged, name, j.reason, j.sha256, j.details);
                LOG.warn("plugin {} rejected: {}", name, j.reason);
            } catch (IOException e) {
                LOG.warn("cannot move {} to {}: {}", staged, REJECTED, e.toString());
            }
        }
        return j.failure == PluginJar.Failure.NONE ? null : j.reason;
    }

    /** Deletes the rejected jar {@code name} (and its reason) from {@code rejected/}; returns whether there was one. */
    public boolean forgetRejected(String name) {
        try {
            return rejectedJars.forget(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + name + " from " + REJECTED, e);
        }
    }

    /**
     * Stops the watcher and the checks running now, and unloads every jar (those still leased close when their last
     * lease does). It never waits for a scan. When the JVM is shutting down because a plugin called System.exit,
     * that plugin's jar is moved to {@code rejected/}, so a restart does not load it again.
     */
    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.shutdownNow();
        }
        admission.stop();
        rejectedJars.rejectPluginCallingExit(directory, installed::sha256);
        installed.closeAll();
    }

    private void poll() {
        try {
            scan(true);
        } catch (Throwable e) {
            LOG.warn("scanning the plugins directory {} failed: {}", directory, FailureText.of(e));
        }
    }

    /** Applies the directory's changes; with {@code settle}, a new or changed jar waits until it is stable. */
    private void scan(boolean settle) {
        List<PluginEvent> happened = new ArrayList<>();
        synchronized (scanMonitor) {
            if (closed) {
                return;
            }
            DirectoryScan.Changes changes = directoryScan.changes(installed.jars(), settle);
            if (changes == null || changes.isEmpty()) {
                return;
            }
            boolean freed = false;
            for (PluginJar j : changes.unload()) {
                installed.unload(j);
                freed |= j.status == Status.LOADED;
                happened.add(new PluginEvent(Kind.UNLOADED, j.info()));
            }
            // a name freed by a removal or replacement may let a jar that lost a name clash load now
            Map<Path, Fingerprint> load = new TreeMap<>(changes.load());
            if (freed) {
                load.putAll(installed.takeClashed());
            }
            try {
                for (PluginJar j : admission.admit(load)) {
                    happened.add(place(j));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            installed.publish();
        }
        events.publish(happened);
    }

    /** Serves {@code j} (unless a name it provides is taken), keeps it FAILED, or rejects it; returns what happened. */
    private PluginEvent place(PluginJar j) {
        installed.failOnClash(j);
        if (j.failure == PluginJar.Failure.FAULT && !closed) {
            try {
                if (!Fingerprint.of(j.file).equals(j.fingerprint)) {
                    return new PluginEvent(Kind.FAILED, j.info()); // replaced meanwhile: the next scan checks it
                }
                j.reason = rejectedJars.reject(j.file, j.file.getFileName().toString(), j.reason, j.sha256, j.details);
                return new PluginEvent(Kind.FAILED, j.info());
            } catch (IOException e) {
                j.reason += " (rejected, but it cannot be moved to " + REJECTED + "/: " + e
                        + "; it is not loaded again until it changes)";
            }
        }
        installed.add(j);
        return new PluginEvent(j.status == Status.LOADED ? Kind.LOADED : Kind.FAILED, j.info());
    }
}
