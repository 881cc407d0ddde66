package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginInfo.Provided;
import dev.amend.runtime.plugins.PluginInfo.Status;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One jar of the plugins directory: its private copy, class loader, providers, status and leases. */
final class PluginJar {
    private static final Logger LOG = LoggerFactory.getLogger(PluginJar.class);

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

    /** Returns the origin shown for this jar's methods: plugin:file.jar. */
    String origin() {
        return "plugin:" + file.getFileName();
    }

    /** Returns this jar FAILED for {@code why} (a lost name clash when {@code nameClash}), with nothing served. */
    PluginJar fail(String why, boolean nameClash) {
        status = Status.FAILED;
        reason = why;
        clash = nameClash;
        editors.clear();
        evaluators.clear();
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

    /** Returns what the catalog reports about this jar (RETIRED once it left service while leased). */
    PluginInfo info() {
        Status shown = retired && status == Status.LOADED ? Status.RETIRED : status;
        List<Provided> eds = new ArrayList<>();
        editors.forEach((k, v) -> eds.add(new Provided(k, safeVersion(v::version))));
        List<Provided> evs = new ArrayList<>();
        evaluators.forEach((k, v) -> evs.add(new Provided(k, safeVersion(v::version))));
        return new PluginInfo(file, shown, reason, eds, evs, loadedAt, size, sha256, leases);
    }

    private static String safeVersion(Supplier<String> v) {
        try {
            return v.get();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }
}
