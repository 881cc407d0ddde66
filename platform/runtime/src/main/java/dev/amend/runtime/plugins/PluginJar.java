package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginInfo.Provided;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.MethodProvider;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One jar of the plugins directory: its private copy, class loader, providers, status and leases. */
final class PluginJar {
    /** Why a jar is not served. */
    enum Failure {
        /** It is served. */
        NONE,
        /** Not a jar, or it provides nothing fit to serve: it stays in the directory until it changes. */
        UNFIT,
        /** A name it provides is taken: it stays and loads once the name is free. */
        CLASH,
        /** Its code threw, called System.exit or did not answer in time: it is moved to rejected/. */
        FAULT,
        /** Its check could not run (the catalog closed, or no JVM could be started): it stays. */
        UNCHECKED
    }

    private static final Logger LOG = LoggerFactory.getLogger(PluginJar.class);

    final Path file;
    final Fingerprint fingerprint;
    final Instant loadedAt;
    final Map<String, MethodProvider<?>> editors = new LinkedHashMap<>();
    final Map<String, EvaluatorProvider> evaluators = new LinkedHashMap<>();
    final Map<String, AdapterKind> adapterKinds = new LinkedHashMap<>();
    /** "editor:name", "evaluator:name" or "adapter:kind" → the version the provider reported when it was loaded. */
    final Map<String, String> versions = new LinkedHashMap<>();
    Path copy;
    long size;
    String sha256;
    URLClassLoader loader;
    Status status = Status.FAILED;
    String reason;
    Failure failure = Failure.UNCHECKED;
    /** The child JVM's last output when its check ended abnormally, for the rejection's reason file. */
    String details = "";
    boolean retired;
    int leases;

    PluginJar(Path file, Fingerprint fingerprint, Instant loadedAt) {
        this.file = file;
        this.fingerprint = fingerprint;
        this.loadedAt = loadedAt;
        this.size = fingerprint.size();
    }

    /** Returns the origin shown for this jar's methods: plugin:file.jar. */
    String origin() {
        return "plugin:" + file.getFileName();
    }

    /** Returns this jar FAILED for {@code why}, of kind {@code kind}, with nothing served. */
    PluginJar fail(String why, Failure kind) {
        status = Status.FAILED;
        reason = why;
        failure = kind;
        editors.clear();
        evaluators.clear();
        adapterKinds.clear();
        versions.clear();
        closeLoader();
        return this;
    }

    /** Closes the class loader and deletes the private copy. */
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

    /** Returns this jar LOADED with what {@code opened} provides. */
    PluginJar serve(PluginJarLoader.Opened opened) {
        loader = opened.loader();
        editors.putAll(opened.editors());
        evaluators.putAll(opened.evaluators());
        adapterKinds.putAll(opened.adapterKinds());
        versions.putAll(opened.versions());
        status = Status.LOADED;
        failure = Failure.NONE;
        return this;
    }

    /**
     * Returns what the catalog reports about this jar (RETIRED once it left service while leased); it runs no
     * plugin code: the versions are those reported at load time.
     */
    PluginInfo info() {
        Status shown = retired && status == Status.LOADED ? Status.RETIRED : status;
        List<Provided> eds = new ArrayList<>();
        editors.keySet().forEach(k -> eds.add(new Provided(k, versions.getOrDefault("editor:" + k, "?"))));
        List<Provided> evs = new ArrayList<>();
        evaluators.keySet().forEach(k -> evs.add(new Provided(k, versions.getOrDefault("evaluator:" + k, "?"))));
        List<Provided> kinds = new ArrayList<>();
        adapterKinds.keySet().forEach(k -> kinds.add(new Provided(k, versions.getOrDefault("adapter:" + k, "?"))));
        return new PluginInfo(file, shown, reason, eds, evs, loadedAt, size, sha256, leases, kinds);
    }
}
