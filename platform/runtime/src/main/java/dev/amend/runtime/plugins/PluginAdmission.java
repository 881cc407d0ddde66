package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.ChildJvmCheck.Verdict;
import dev.amend.runtime.plugins.PluginJar.Failure;
import dev.amend.runtime.plugins.PluginJarLoader.Refusal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a jar enters the host: copied into the work directory, checked in a child JVM (unless a jar with the same
 * SHA-256 passed lately), then opened in this JVM in a bounded call ({@link PluginCalls}). It touches no catalog
 * state: the catalog decides what to serve, what lost a name clash and what goes to {@code rejected/}.
 */
final class PluginAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(PluginAdmission.class);
    private static final int REMEMBERED = 64;

    private final PluginJarLoader loader;
    private final PluginChecks checks;
    private final ChildJvmCheck child;
    private final Set<String> passed = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    PluginAdmission(Path workDir, PluginChecks checks) {
        this.loader = new PluginJarLoader(workDir);
        this.checks = checks;
        this.child = checks.inChildJvm() ? new ChildJvmCheck(workDir, checks.timeout()) : null;
    }

    /**
     * Returns each of {@code files} copied, checked and opened: LOADED with its providers, or FAILED with its
     * failure kind and reason (name clashes are the catalog's to find).
     */
    List<PluginJar> admit(Map<Path, Fingerprint> files) throws InterruptedException {
        List<PluginJar> jars = new ArrayList<>();
        files.forEach((file, fingerprint) -> jars.add(loader.copy(file, fingerprint)));
        checkInChild(jars);
        for (PluginJar j : jars) {
            if (j.reason == null) {
                AtomicReference<String> step = new AtomicReference<>("opening the jar");
                try {
                    j.serve(PluginCalls.within(checks.timeout(), step, () -> PluginJarLoader.open(j, step::set)));
                } catch (Refusal r) {
                    j.fail(r.getMessage(), r.kind);
                }
            }
        }
        return jars;
    }

    /**
     * Returns the jar at {@code staged} (not in the plugins directory) copied and checked in a child JVM but not
     * opened here: failure NONE when it passed (remembered, so loading it next skips the child), else FAILED.
     */
    PluginJar vet(Path staged) throws InterruptedException {
        PluginJar j = loader.copy(staged, Fingerprint.ABSENT);
        checkInChild(List.of(j));
        if (j.reason == null) {
            j.failure = Failure.NONE;
        }
        j.closeLoader();
        return j;
    }

    /** Stops the checks running now; their jars come back UNCHECKED. */
    void stop() {
        if (child != null) {
            child.stop();
        }
    }

    /** Checks in the child JVM the copied jars not known to pass; marks those that fail. */
    private void checkInChild(List<PluginJar> jars) throws InterruptedException {
        if (child == null) {
            return;
        }
        List<PluginJar> unknown = jars.stream().filter(j -> j.reason == null && !passed.contains(j.sha256)).toList();
        if (unknown.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<Verdict> verdicts = child.check(unknown.stream().map(j -> j.copy).toList());
        LOG.info("checked {} in a child JVM in {} ms", unknown.stream().map(j -> j.file.getFileName().toString())
                .toList(), (System.nanoTime() - start) / 1_000_000);
        for (int i = 0; i < unknown.size(); i++) {
            PluginJar j = unknown.get(i);
            Verdict v = verdicts.get(i);
            if (v.kind() == Failure.NONE) {
                passed.add(j.sha256);
            } else {
                j.fail(v.reason(), v.kind());
                j.details = v.details();
            }
        }
    }
}
