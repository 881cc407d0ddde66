package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.AdapterKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog's state: the jars of the plugins directory it knows, the retired ones still held by leases, and the
 * snapshot served now. One lock guards it, and no plugin code ever runs under that lock (versions are those
 * reported at load time), so it is only ever held for moments.
 */
final class InstalledJars {
    private static final Logger LOG = LoggerFactory.getLogger(InstalledJars.class);

    /**
     * A snapshot with the jars behind one method pinned until {@code release} runs.
     *
     * @param snapshot the snapshot the method was looked up in
     * @param release  unpins the jars (idempotent)
     */
    record Pinned(CatalogSnapshot snapshot, Runnable release) {
    }

    private final EditorRegistry classPath;
    private final Map<String, AdapterKind> classPathKinds;
    private final Path workDir;
    private final Object lock = new Object();
    private final Map<Path, PluginJar> jars = new TreeMap<>();
    private final List<PluginJar> retired = new ArrayList<>();
    private volatile CatalogSnapshot snapshot;
    private boolean closed;

    InstalledJars(EditorRegistry classPath, Map<String, AdapterKind> classPathKinds, Path workDir) {
        this.classPath = classPath;
        this.classPathKinds = Map.copyOf(classPathKinds);
        this.workDir = workDir;
        this.snapshot = CatalogSnapshot.of(classPath, this.classPathKinds, List.of());
    }

    /** Returns the methods served now. */
    CatalogSnapshot snapshot() {
        return snapshot;
    }

    /** Returns a copy of the known jars by file. */
    Map<Path, PluginJar> jars() {
        synchronized (lock) {
            return new TreeMap<>(jars);
        }
    }

    /** Returns the known jars' accounts in file-name order. */
    List<PluginInfo> infos() {
        synchronized (lock) {
            return jars.values().stream().map(PluginJar::info).toList();
        }
    }

    /** Returns the accounts of the retired jars still held by leases. */
    List<PluginInfo> retiredInfos() {
        synchronized (lock) {
            return retired.stream().map(PluginJar::info).toList();
        }
    }

    /** Returns the SHA-256 of the known jar at {@code file}, or null. */
    String sha256(Path file) {
        synchronized (lock) {
            PluginJar j = jars.get(file);
            return j == null ? null : j.sha256;
        }
    }

    /** Takes {@code j} out of the known jars and out of service (its loader closes now or with its last lease). */
    void unload(PluginJar j) {
        synchronized (lock) {
            jars.remove(j.file);
            retire(j);
        }
    }

    /** Removes the jars that failed on a name clash and returns them, to be loaded again. */
    Map<Path, Fingerprint> takeClashed() {
        Map<Path, Fingerprint> retry = new TreeMap<>();
        synchronized (lock) {
            for (PluginJar j : List.copyOf(jars.values())) {
                if (j.status == Status.FAILED && j.failure == PluginJar.Failure.CLASH) {
                    jars.remove(j.file);
                    retry.put(j.file, j.fingerprint);
                }
            }
        }
        return retry;
    }

    /**
     * Marks the LOADED jar {@code j} FAILED when a name (method, evaluator or adapter kind) it provides is served
     * already (class path or a jar).
     */
    void failOnClash(PluginJar j) {
        synchronized (lock) {
            for (String kind : List.copyOf(j.adapterKinds.keySet())) {
                String owner = owner(kind, classPathKinds, o -> o.adapterKinds);
                if (owner != null && j.status == Status.LOADED) {
                    j.fail("adapter kind \"" + kind + "\" is already provided by " + owner + "; the first one wins"
                            + " (rename the kind or remove one of them)", PluginJar.Failure.CLASH);
                }
            }
            for (boolean editor : new boolean[] {true, false}) {
                for (String name : List.copyOf((editor ? j.editors : j.evaluators).keySet())) {
                    String owner = editor ? owner(name, classPath.editors(), o -> o.editors)
                            : owner(name, classPath.evaluators(), o -> o.evaluators);
                    if (owner != null && j.status == Status.LOADED) {
                        j.fail((editor ? "editor" : "evaluator") + " \"" + name + "\" is already provided by " + owner
                                + "; the first one wins (rename the " + (editor ? "method" : "evaluator")
                                + " or remove one of them)", PluginJar.Failure.CLASH);
                    }
                }
            }
        }
    }

    /** Adds {@code j} to the known jars; once closed, closes its loader instead. */
    void add(PluginJar j) {
        synchronized (lock) {
            if (closed) {
                j.closeLoader();
            } else {
                jars.put(j.file, j);
            }
        }
    }

    /** Serves the known LOADED jars from now on. */
    void publish() {
        synchronized (lock) {
            snapshot = CatalogSnapshot.of(classPath, classPathKinds, jars.values());
        }
    }

    /**
     * Returns the snapshot with the jars behind {@code name} pinned.
     *
     * @throws dev.amend.spi.InvalidRequestException for an unknown name (listing the installed ones)
     */
    Pinned pin(String name, boolean editor) {
        List<PluginJar> pinned;
        CatalogSnapshot s;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the plugin catalog is closed");
            }
            s = snapshot;
            if (editor) {
                for (String part : name.split("\\+", -1)) {
                    s.registry().editor(part); // decorator+method: each part must be installed
                }
            } else {
                s.registry().evaluator(name);
            }
            pinned = s.owners(name, editor);
            pinned.forEach(j -> j.leases++);
        }
        return new Pinned(s, releaser(pinned));
    }

    /** Unloads every jar (those still leased close with their last lease) and refuses new leases. */
    void closeAll() {
        synchronized (lock) {
            closed = true;
            for (PluginJar j : jars.values()) {
                retire(j);
            }
            jars.clear();
            snapshot = CatalogSnapshot.of(classPath, classPathKinds, List.of());
            deleteWorkDirIfUnused();
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

    /**
     * Returns who already provides {@code name} among the names {@code classPathNames} and each loaded jar's
     * {@code provided} (the class path or the jar), or null. Caller holds the lock.
     */
    private String owner(String name, Map<String, ?> classPathNames, Function<PluginJar, Map<String, ?>> provided) {
        if (classPathNames.containsKey(name)) {
            return "the class path";
        }
        for (PluginJar other : jars.values()) {
            if (other.status == Status.LOADED && provided.apply(other).containsKey(name)) {
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
