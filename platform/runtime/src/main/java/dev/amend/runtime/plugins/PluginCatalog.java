package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.plugins.PluginEvent.Kind;
import dev.amend.runtime.plugins.PluginInfo.Provided;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
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
    private final Object scanMonitor = new Object();
    private final Object lock = new Object();
    private final Map<Path, PluginJar> jars = new TreeMap<>();
    private final List<PluginJar> retired = new ArrayList<>();
    private final Map<Path, Fingerprint> pending = new HashMap<>();
    private final List<PluginEvent.Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watcher;
    private volatile Snapshot snapshot;
    private volatile boolean closed;
    private long copies;

    private PluginCatalog(Path directory, Duration pollInterval, ClassLoader classPathLoader) throws IOException {
        this.directory = directory;
        this.workDir = Files.createTempDirectory("amend-plugins-");
        this.classPath = EditorRegistry.load(classPathLoader);
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
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener; returns whether it was registered. */
    public boolean removeListener(PluginEvent.Listener listener) {
        return listeners.remove(listener);
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
        Snapshot s = snapshot;
        List<MethodInfo> out = new ArrayList<>();
        for (Map.Entry<String, MethodProvider<?>> e : s.registry().editors().entrySet()) {
            MethodProvider<?> p = e.getValue();
            try {
                String[] problem = new String[1];
                List<MethodInfo.HyperparameterInfo> schema = HyperparameterSchema.of(p, arch, problem);
                if (problem[0] != null) {
                    LOG.warn("editor {}: {}", e.getKey(), problem[0]);
                }
                out.add(new MethodInfo(e.getKey(), "editor", p.version(), s.origin(e.getKey(), true), p.description(),
                        null, schema));
            } catch (RuntimeException | LinkageError ex) {
                LOG.warn("editor {} cannot be described: {}", e.getKey(), describe(ex));
            }
        }
        return out;
    }

    /** Returns the evaluators served now. */
    public List<MethodInfo> evaluators() {
        Snapshot s = snapshot;
        List<MethodInfo> out = new ArrayList<>();
        for (Map.Entry<String, EvaluatorProvider> e : s.registry().evaluators().entrySet()) {
            EvaluatorProvider p = e.getValue();
            try {
                out.add(new MethodInfo(e.getKey(), "evaluator", p.version(), s.origin(e.getKey(), false),
                        "scores with protocol " + p.protocol(), p.protocol(), List.of()));
            } catch (RuntimeException | LinkageError ex) {
                LOG.warn("evaluator {} cannot be described: {}", e.getKey(), describe(ex));
            }
        }
        return out;
    }

    /**
     * Returns the editor {@code name} configured for {@code arch} (its defaults with {@code overrides} bound over
     * them; {@code source} names where they came from, for messages), pinned to the plugin version served now.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones) or bad values
     */
    public EditorLease leaseEditor(String name, ModelArchitecture arch, Map<String, ?> overrides, String source) {
        Snapshot s;
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
            Snapshot s = snapshot;
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

    /** Returns a one-line account of {@code e} and its causes, with a hint for missing classes. */
    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        boolean missingClass = false;
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (!b.isEmpty()) {
                b.append("; caused by ");
            }
            b.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage());
            }
            missingClass |= t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException;
        }
        if (missingClass) {
            b.append(" (a class the plugin needs is neither in its jar nor in the SPI: bundle the plugin's own"
                    + " dependencies in its jar)");
        }
        return b.toString();
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
            LOG.warn("scanning the plugins directory {} failed: {}", directory, describe(e));
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
        List<PluginEvent> events = new ArrayList<>();
        synchronized (scanMonitor) {
            if (closed) {
                return;
            }
            Map<Path, Fingerprint> present = list();
            if (present == null) {
                return;
            }
            boolean freed = false;
            for (PluginJar j : List.copyOf(jars.values())) {
                if (!present.containsKey(j.file)) {
                    // a file replaced by delete-then-copy is briefly absent: the watcher waits for a second look
                    if (settle && !Fingerprint.ABSENT.equals(pending.get(j.file))) {
                        pending.put(j.file, Fingerprint.ABSENT);
                        continue;
                    }
                    pending.remove(j.file);
                    synchronized (lock) {
                        jars.remove(j.file);
                        retire(j);
                    }
                    freed |= j.status == Status.LOADED;
                    events.add(new PluginEvent(Kind.UNLOADED, j.info()));
                }
            }
            pending.keySet().removeIf(f -> !present.containsKey(f) && !jars.containsKey(f));
            Map<Path, Fingerprint> toLoad = new TreeMap<>();
            for (Map.Entry<Path, Fingerprint> e : present.entrySet()) {
                PluginJar old = jars.get(e.getKey());
                if (old != null && old.fingerprint.equals(e.getValue())) {
                    continue;
                }
                if (settle && !e.getValue().equals(pending.get(e.getKey()))) {
                    pending.put(e.getKey(), e.getValue());
                    continue;
                }
                pending.remove(e.getKey());
                if (old != null) {
                    synchronized (lock) {
                        jars.remove(old.file);
                        retire(old);
                    }
                    freed |= old.status == Status.LOADED;
                    events.add(new PluginEvent(Kind.UNLOADED, old.info()));
                }
                toLoad.put(e.getKey(), e.getValue());
            }
            // a name freed by a removal or replacement may let a jar that lost a name clash load now
            Map<Path, Fingerprint> retry = new TreeMap<>();
            if (freed) {
                for (PluginJar j : List.copyOf(jars.values())) {
                    if (j.status == Status.FAILED && j.clash) {
                        synchronized (lock) {
                            jars.remove(j.file);
                        }
                        retry.put(j.file, j.fingerprint);
                    }
                }
            }
            if (toLoad.isEmpty() && retry.isEmpty() && events.isEmpty()) {
                return;
            }
            for (Map<Path, Fingerprint> batch : List.of(toLoad, retry)) {
                for (Map.Entry<Path, Fingerprint> e : batch.entrySet()) {
                    PluginJar j = load(e.getKey(), e.getValue());
                    synchronized (lock) {
                        jars.put(j.file, j);
                    }
                    events.add(new PluginEvent(j.status == Status.LOADED ? Kind.LOADED : Kind.FAILED, j.info()));
                }
            }
            synchronized (lock) {
                snapshot = build();
            }
        }
        for (PluginEvent e : events) {
            switch (e.kind()) {
                case LOADED -> LOG.info("plugin {} loaded: editors {}, evaluators {}", e.plugin().file(),
                        e.plugin().editors(), e.plugin().evaluators());
                case FAILED -> LOG.warn("plugin {} failed to load: {}", e.plugin().file(), e.plugin().reason());
                case UNLOADED -> LOG.info("plugin {} unloaded (removed or replaced){}", e.plugin().file(),
                        e.plugin().leases() > 0 ? "; " + e.plugin().leases() + " lease(s) keep the old version" : "");
            }
            for (PluginEvent.Listener l : listeners) {
                try {
                    l.onChange(e);
                } catch (RuntimeException ex) {
                    LOG.warn("plugin listener failed: {}", describe(ex));
                }
            }
        }
    }

    /** Returns the jars in the directory with their fingerprints; null when the directory cannot be read now. */
    private Map<Path, Fingerprint> list() {
        Map<Path, Fingerprint> out = new TreeMap<>();
        if (directory == null || !Files.isDirectory(directory)) {
            return out;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith(".") || !n.toLowerCase(Locale.ROOT).endsWith(".jar")) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.put(f, new Fingerprint(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                                a.fileKey()));
                    }
                } catch (IOException e) {
                    // deleted between listing and reading: it is gone
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list the plugins directory {}: {}", directory, e.toString());
            return null;
        }
        return out;
    }

    /** Copies, opens and checks one jar; returns it LOADED or FAILED with the reason. */
    private PluginJar load(Path file, Fingerprint fingerprint) {
        PluginJar j = new PluginJar(file, fingerprint, Instant.now());
        try {
            j.copy = workDir.resolve((++copies) + "-" + file.getFileName());
            Files.copy(file, j.copy, StandardCopyOption.REPLACE_EXISTING);
            j.size = Files.size(j.copy);
            j.sha256 = sha256(j.copy);
            try (JarFile jar = new JarFile(j.copy.toFile(), true)) {
                for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                    JarEntry entry = en.nextElement();
                    if (!entry.isDirectory()) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            in.transferTo(java.io.OutputStream.nullOutputStream());
                        }
                    }
                }
            } catch (IOException | SecurityException e) {
                return j.fail("not a readable jar: " + describe(e), false);
            }
            j.loader = new URLClassLoader("plugin:" + file.getFileName(), new URL[] {j.copy.toUri().toURL()},
                    EditorProvider.class.getClassLoader());
            List<ServiceLoader.Provider<? extends MethodProvider>> methods = new ArrayList<>();
            methods.addAll(ServiceLoader.load(EditorProvider.class, j.loader).stream().toList());
            methods.addAll(ServiceLoader.load(EditorDecorator.class, j.loader).stream().toList());
            for (ServiceLoader.Provider<? extends MethodProvider> p : methods) {
                if (p.type().getClassLoader() != j.loader) {
                    continue;
                }
                MethodProvider<?> e = p.get();
                String name = checkName(e.name(), p.type());
                Objects.requireNonNull(e.version(), "version()");
                Class<? extends Hyperparameters> type = e.hyperparameterType();
                if (type == null || !type.isRecord()) {
                    return j.fail(p.type().getName() + ".hyperparameterType() must return a record type, got "
                            + type, false);
                }
                String clash = clash(name, true, j);
                if (clash != null) {
                    return j.fail("editor \"" + name + "\" is already provided by " + clash
                            + "; the first one wins (rename the method or remove one of them)", true);
                }
                j.editors.put(name, e);
            }
            for (ServiceLoader.Provider<EvaluatorProvider> p
                    : ServiceLoader.load(EvaluatorProvider.class, j.loader).stream().toList()) {
                if (p.type().getClassLoader() != j.loader) {
                    continue;
                }
                EvaluatorProvider e = p.get();
                String name = checkName(e.name(), p.type());
                Objects.requireNonNull(e.version(), "version()");
                Objects.requireNonNull(e.protocol(), "protocol()");
                String clash = clash(name, false, j);
                if (clash != null) {
                    return j.fail("evaluator \"" + name + "\" is already provided by " + clash
                            + "; the first one wins (rename the evaluator or remove one of them)", true);
                }
                j.evaluators.put(name, e);
            }
            if (j.editors.isEmpty() && j.evaluators.isEmpty()) {
                return j.fail("provides no editor or evaluator: add META-INF/services/"
                        + EditorProvider.class.getName() + ", " + EditorDecorator.class.getName() + " or "
                        + EvaluatorProvider.class.getName()
                        + " naming the provider classes", false);
            }
            j.status = Status.LOADED;
            return j;
        } catch (IOException | RuntimeException | ServiceConfigurationError | LinkageError e) {
            return j.fail(describe(e), false);
        }
    }

    private static String checkName(String name, Class<?> type) {
        if (name == null || name.isBlank()) {
            throw new IllegalStateException(type.getName() + ".name() returned no name");
        }
        return name.toLowerCase(Locale.ROOT);
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
    private Snapshot build() {
        Map<String, MethodProvider<?>> editors = new LinkedHashMap<>(classPath.editors());
        Map<String, EvaluatorProvider> evaluators = new LinkedHashMap<>(classPath.evaluators());
        Map<String, PluginJar> owners = new HashMap<>();
        for (PluginJar j : jars.values()) {
            if (j.status != Status.LOADED) {
                continue;
            }
            j.editors.forEach((k, v) -> {
                if (editors.putIfAbsent(k, v) == null) {
                    owners.put("editor:" + k, j);
                }
            });
            j.evaluators.forEach((k, v) -> {
                if (evaluators.putIfAbsent(k, v) == null) {
                    owners.put("evaluator:" + k, j);
                }
            });
        }
        return new Snapshot(EditorRegistry.of(editors, evaluators), Map.copyOf(owners));
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

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What identifies one state of a file: a changed jar has another size, modification time or file key. */
    private record Fingerprint(long size, long modifiedNanos, Object fileKey) {
        /** The state of a file that is not there. */
        static final Fingerprint ABSENT = new Fingerprint(-1, -1, null);
    }

    /**
     * The methods served at one moment, with the jar that owns each plugin method.
     *
     * @param registry the class path's methods and the loaded jars'
     * @param owners   "editor:name" or "evaluator:name" → the jar providing it (class-path methods are absent)
     */
    private record Snapshot(EditorRegistry registry, Map<String, PluginJar> owners) {

        /** Returns the jars behind {@code name} (each part of a composite name such as a decorator's a+b). */
        List<PluginJar> owners(String name, boolean editor) {
            Set<PluginJar> out = new LinkedHashSet<>();
            for (String part : parts(name)) {
                PluginJar j = owners.get((editor ? "editor:" : "evaluator:") + part);
                if (j != null) {
                    out.add(j);
                }
            }
            return List.copyOf(out);
        }

        /** Returns where {@code name} comes from: classpath, plugin:file.jar, or both parts' origins joined by +. */
        String origin(String name, boolean editor) {
            Set<String> origins = new LinkedHashSet<>();
            for (String part : parts(name)) {
                PluginJar j = owners.get((editor ? "editor:" : "evaluator:") + part);
                origins.add(j == null ? CLASSPATH : j.origin());
            }
            return String.join("+", origins);
        }

        private static List<String> parts(String name) {
            List<String> out = new ArrayList<>();
            String lower = name.toLowerCase(Locale.ROOT);
            out.add(lower);
            if (lower.contains("+")) {
                out.addAll(List.of(lower.split("\\+")));
            }
            return out;
        }
    }

    /** One jar: its private copy, class loader, providers, status and leases. */
    private static final class PluginJar {
        final Path file;
        final Fingerprint fingerprint;
        final Instant loadedAt;
        final Map<String, MethodProvider<?>> editors = new LinkedHashMap<>();
        final Map<String, EvaluatorProvider> evaluators = new LinkedHashMap<>();
        Path copy;
        long size;
        String sha256;
        URLClassLoader loader;
        Status status = Status.FAILED;
        String reason;
        boolean clash;
        boolean retired;
        int leases;

        PluginJar(Path file, Fingerprint fingerprint, Instant loadedAt) {
            this.file = file;
            this.fingerprint = fingerprint;
            this.loadedAt = loadedAt;
            this.size = fingerprint.size();
        }

        String origin() {
            return "plugin:" + file.getFileName();
        }

        PluginJar fail(String why, boolean nameClash) {
            status = Status.FAILED;
            reason = why;
            clash = nameClash;
            editors.clear();
            evaluators.clear();
            closeLoader();
            return this;
        }

        void closeLoader() {
            if (loader != null) {
                try {
                    loader.close();
                } catch (IOException e) {
                    LOG.debug("closing the loader of {}: {}", file, e.toString());
                }
                loader = null;
            }
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    LOG.debug("deleting {}: {}", copy, e.toString());
                }
            }
        }

        PluginInfo info() {
            Status shown = retired && status == Status.LOADED ? Status.RETIRED : status;
            List<Provided> eds = new ArrayList<>();
            editors.forEach((k, v) -> eds.add(new Provided(k, safeVersion(v::version))));
            List<Provided> evs = new ArrayList<>();
            evaluators.forEach((k, v) -> evs.add(new Provided(k, safeVersion(v::version))));
            return new PluginInfo(file, shown, reason, eds, evs, loadedAt, size, sha256, leases);
        }

        private static String safeVersion(java.util.function.Supplier<String> v) {
            try {
                return v.get();
            } catch (RuntimeException | LinkageError e) {
                return "?";
            }
        }
    }
}
