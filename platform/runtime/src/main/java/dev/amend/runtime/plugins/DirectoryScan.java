package dev.amend.runtime.plugins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the jars in the plugins directory with the loaded ones. When settling (the watcher), a new or changed
 * jar counts only once it looks the same on two consecutive scans, and a vanished jar only once it is still gone
 * on the next scan (a copy that deletes first); an immediate scan takes every change at once.
 */
final class DirectoryScan {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryScan.class);

    private final Path directory;
    private final Map<Path, Fingerprint> pending = new HashMap<>();

    /**
     * What one scan changes.
     *
     * @param unload the loaded jars to take out of service: vanished ones first, then replaced ones
     * @param load   the files to load (new or replaced), in file-name order
     */
    record Changes(List<PluginJar> unload, Map<Path, Fingerprint> load) {
        /** Returns whether the scan changes nothing. */
        boolean isEmpty() {
            return unload.isEmpty() && load.isEmpty();
        }
    }

    DirectoryScan(Path directory) {
        this.directory = directory;
    }

    /** Returns the changes from {@code loaded} to the directory now; null when it cannot be read now. */
    Changes changes(Map<Path, PluginJar> loaded, boolean settle) {
        Map<Path, Fingerprint> present = list();
        if (present == null) {
            return null;
        }
        List<PluginJar> unload = new ArrayList<>();
        for (PluginJar j : loaded.values()) {
            if (!present.containsKey(j.file)) {
                if (settle && !Fingerprint.ABSENT.equals(pending.get(j.file))) {
                    pending.put(j.file, Fingerprint.ABSENT);
                    continue;
                }
                pending.remove(j.file);
                unload.add(j);
            }
        }
        pending.keySet().removeIf(f -> !present.containsKey(f) && !loaded.containsKey(f));
        Map<Path, Fingerprint> load = new TreeMap<>();
        for (Map.Entry<Path, Fingerprint> e : present.entrySet()) {
            PluginJar old = loaded.get(e.getKey());
            if (old != null && old.fingerprint.equals(e.getValue())) {
                continue;
            }
            if (settle && !e.getValue().equals(pending.get(e.getKey()))) {
                pending.put(e.getKey(), e.getValue());
                continue;
            }
            pending.remove(e.getKey());
            if (old != null) {
                unload.add(old);
            }
            load.put(e.getKey(), e.getValue());
        }
        return new Changes(unload, load);
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
                    Fingerprint fp = Fingerprint.of(f);
                    if (!fp.equals(Fingerprint.ABSENT)) {
                        out.put(f, fp);
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
}
