package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.plugins.PluginEvent.Kind;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
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
 * <p>A jar that fails to load (not a jar, missing classes, a provider that throws, a name already taken by the
 * class path or an earlier jar) is reported with its reason in {@link #plugins()} and the log; nothing of it is
 * served and the rest keeps working. Names are resolved in one place, {@link EditorRegistry}.
 */
public final class PluginCatalog implements AutoCloseable {
    /** The default polling interval of the watcher. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The origin of methods found on the class path. */
    public static final String CLASSPATH = "classpath";

    private static final Logger LOG = LoggerFactory.getLogger(PluginCatalog.class);

    private final Path directory;
    private final Path workDir;
    private final EditorRegistry classPath;
    private final DirectoryScan directoryScan;
    private final PluginJarLoader jarLoader;
    private final Object scanMonitor = new Object();
    private final Object lock = new Object();
    private final Map<Path, PluginJar> jars = new TreeMap<>();
    private final List<PluginJar> retired = new ArrayList<>();
    private final PluginEvents events = new PluginEvents();
    private final ScheduledExecutorService watcher;
    private volatile CatalogSnapshot snapshot;
    private volatile boolean closed;

    private PluginCatalog(Path directory, Duration pollInterval, ClassLoader classPathLoader) throws IOException {
        this.directory = directory;
        this.workDir = Files.createTempDirectory("amend-plugins-");
        this.classPath = EditorRegistry.load(classPathLoader);
        this.directoryScan = new DirectoryScan(directory);
        this.jarLoader = new PluginJarLoader(workDir, this::clash);
        this.snapshot = build();
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
        try {
            return new PluginCatalog(pluginsDir == null ? null : pluginsDir.toAbsolutePath().normalize(),
                    pollInterval, classPathLoader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plugins' work directory", e);
        }
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

    /** Returns the jars in the plugins directory, in file-name order, each LOADED or FAILED with its reason. */
    public List<PluginInfo> plugins() {
        synchronized (lock) {
            return jars.values().stream().map(PluginJar::info).toList();
        }
    }

    /** Returns the replaced or removed jars still held open by leases (status RETIRED). */
    public List<PluginInfo> retired() {
        synchronized (lock) {
            return retired.stream().map(PluginJar::info).toList();
        }
    }

    /** Returns the registry of every method served now (class path first, then loaded jars). */
    public EditorRegistry registry() {
        return snapshot.registry();
    }

    /** Returns the editors served now, with their hyperparameters but no defaults. */
    public List<MethodInfo> editors() {
        return editors(null);
    }

    /** Returns the editors served now, with their hyperparameters and the defaults for {@code arch}. */
    public List<MethodInfo> editors(ModelArchitecture arch) {
        return snapshot.editorInfos(arch);
    }

    /** Returns the evaluators served now. */
    public List<MethodInfo> evaluators() {
        return snapshot.evaluatorInfos();
    }

    /**
     * Returns the editor {@code name} configured for {@code arch} (its defaults with {@code overrides} bound over
     * them; {@code source} names where they came from, for messages), pinned to the plugin version served now.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones) or bad values
     */
    public EditorLease leaseEditor(String name, ModelArchitecture arch, Map<String, ?> overrides, String source) {
        CatalogSnapshot s;
        List<PluginJar> pinned;
        synchronized (lock) {
            ensureOpen();
            s = snapshot;
            for (String part : name.split("\\+", -1)) {
                s.registry().editor(part); // decorator+method: each part must be installed
            }
            pinned = s.owners(name, true);
            pinned.forEach(j -> j.leases++);
        }
        Runnable release = releaser(pinned);
        try {
            EditorRegistry.Configured c = s.registry().configure(name, arch, overrides == null ? Map.of() : overrides,
                    source == null ? "request" : source);
            return new EditorLease(name, s.origin(name, true), c, release);
        } catch (RuntimeException | LinkageError e) {
            release.run();
            throw e;
        }
    }

    /**
     * Returns the evaluator {@code name} pinned to the plugin version served now.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones)
     */
    public EvaluatorLease leaseEvaluator(String name) {
        synchronized (lock) {
            ensureOpen();
            CatalogSnapshot s = snapshot;
            EvaluatorProvider p = s.registry().evaluator(name);
            List<PluginJar> pinned = s.owners(name, false);
            pinned.forEach(j -> j.leases++);
            return new EvaluatorLease(s.origin(name, false), p, releaser(pinned));
        }
    }

    /** Stops the watcher and unloads every jar (those still leased close when their last lease does). */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        synchronized (scanMonitor) {
            closed = true;
            synchronized (lock) {
                for (PluginJar j : jars.values()) {
                    retire(j);
                }
                jars.clear();
                snapshot = build();
                deleteWorkDirIfUnused();
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the plugin catalog is closed");
        }
    }

    private void poll() {
        try {
            scan(true);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("scanning the plugins directory {} failed: {}", directory, FailureText.of(e));
        }
    }

    private Runnable releaser(List<PluginJar> pinned) {
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            synchronized (lock) {
                for (PluginJar j : pinned) {
                    j.leases--;
                    if (j.retired && j.leases == 0) {
                        j.closeLoader();
                        retired.remove(j);
                        LOG.info("plugin {} (retired) closed: its last lease ended", j.file.getFileName());
                    }
                }
                if (closed) {
                    deleteWorkDirIfUnused();
                }
            }
        };
    }

    /** Applies the directory's changes; with {@code settle}, a new or changed jar waits until it is stable. */
    private void scan(boolean settle) {
        List<PluginEvent> happened = new ArrayList<>();
        synchronized (scanMonitor) {
            if (closed) {
                return;
            }
            DirectoryScan.Changes changes = directoryScan.changes(jars, settle);
            if (changes == null || changes.isEmpty()) {
                return;
            }
            boolean freed = false;
            for (PluginJar j : changes.unload()) {
                synchronized (lock) {
                    jars.remove(j.file);
                    retire(j);
                }
                freed |= j.status == Status.LOADED;
                happened.add(new PluginEvent(Kind.UNLOADED, j.info()));
            }
            // a name freed by a removal or replacement may let a jar that lost a name clash load now
            Map<Path, Fingerprint> retry = freed ? takeClashed() : Map.of();
            for (Map<Path, Fingerprint> batch : List.of(changes.load(), retry)) {
                batch.forEach((file, fingerprint) -> {
                    PluginJar j = jarLoader.load(file, fingerprint);
                    synchronized (lock) {
                        jars.put(j.file, j);
                    }
                    happened.add(new PluginEvent(j.status == Status.LOADED ? Kind.LOADED : Kind.FAILED, j.info()));
                });
            }
            synchronized (lock) {
                snapshot = build();
            }
        }
        events.publish(happened);
    }

    /** Removes the jars that failed on a name clash and returns them, to be loaded again. */
    private Map<Path, Fingerprint> takeClashed() {
        Map<Path, Fingerprint> retry = new TreeMap<>();
        for (PluginJar j : List.copyOf(jars.values())) {
            if (j.status == Status.FAILED && j.clash) {
                synchronized (lock) {
                    jars.remove(j.file);
                }
                retry.put(j.file, j.fingerprint);
            }
        }
        return retry;
    }

    /** Returns who already provides {@code name} (class path, another loaded jar, this jar), or null. */
    private String clash(String name, boolean editor, PluginJar self) {
        Map<String, ?> cp = editor ? classPath.editors() : classPath.evaluators();
        if (cp.containsKey(name)) {
            return "the class path";
        }
        if ((editor ? self.editors : self.evaluators).containsKey(name)) {
            return "another provider in the same jar";
        }
        for (PluginJar other : jars.values()) {
            if (other.status == Status.LOADED && (editor ? other.editors : other.evaluators).containsKey(name)) {
                return other.origin();
            }
        }
        return null;
    }

    /** Takes {@code j} out of service; its loader closes now, or with its last lease. Caller holds the lock. */
    private void retire(PluginJar j) {
        j.retired = true;
        if (j.leases == 0) {
            j.closeLoader();
        } else {
            retired.add(j);
        }
    }

    /** Returns the view of the class path and the loaded jars. Caller holds the lock (or constructs). */
    private CatalogSnapshot build() {
        return CatalogSnapshot.of(classPath, jars.values());
    }

    private void deleteWorkDirIfUnused() {
        if (!retired.isEmpty()) {
            return;
        }
        try (Stream<Path> left = Files.list(workDir)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(workDir);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", workDir, e.toString());
        }
    }
}
