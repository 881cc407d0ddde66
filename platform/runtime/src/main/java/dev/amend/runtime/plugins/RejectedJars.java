package dev.amend.runtime.plugins;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rejected/} folder inside the plugins directory: jars whose code failed (threw, called System.exit, did
 * not answer in time), each beside {@code NAME.jar.reason.txt} saying why. The catalog never loads from it, so a
 * restart does not run such a jar again; the operator reads the reason and deletes or replaces the jar.
 */
final class RejectedJars {
    /** The folder's name inside the plugins directory. */
    static final String FOLDER = "rejected";

    private static final Logger LOG = LoggerFactory.getLogger(RejectedJars.class);

    private final Path folder;

    RejectedJars(Path pluginsDir) {
        this.folder = pluginsDir == null ? null : pluginsDir.resolve(FOLDER);
    }

    /**
     * Moves {@code file} into the folder as {@code name}, beside its reason ({@code why}, then the jar's hash and
     * {@code details}); returns the reason to report.
     */
    String reject(Path file, String name, String why, String sha256, String details) throws IOException {
        if (folder == null) {
            throw new IOException("there is no plugins directory");
        }
        Files.createDirectories(folder);
        Path reason = folder.resolve(name + ".reason.txt");
        Files.writeString(reason, why + "\n\njar: " + name + "\nsha256: " + sha256 + "\nrejected: " + Instant.now()
                + "\n" + (details == null || details.isBlank() ? ""
                : "\nlast output of the check JVM:\n" + details + "\n"), StandardCharsets.UTF_8);
        try {
            try {
                Files.move(file, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(reason);
            throw e;
        }
        return shown(name, why);
    }

    /** Returns {@code why} with where the rejected jar {@code name} and its reason went. */
    static String shown(String name, String why) {
        return why + " (rejected: moved to " + FOLDER + "/" + name + ", the reason is in " + FOLDER + "/" + name
                + ".reason.txt)";
    }

    /** Returns the rejected jars, FAILED with their reasons, except those whose names are in {@code shadowed}. */
    List<PluginInfo> list(Set<String> shadowed) {
        List<PluginInfo> out = new ArrayList<>();
        if (folder == null || !Files.isDirectory(folder)) {
            return out;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                String name = jar.getFileName().toString();
                if (!shadowed.contains(name)) {
                    try {
                        out.add(info(jar, name));
                    } catch (IOException e) {
                        // deleted meanwhile
                    }
                }
            }
        } catch (IOException e) {
            // listed again on the next call
        }
        return out;
    }

    /**
     * Moves the plugin jar in {@code directory} whose code is calling System.exit now (if any, found from the
     * threads' stacks while the JVM shuts down) here, so a restart does not load it again; {@code sha256} gives a
     * known jar's hash.
     */
    void rejectPluginCallingExit(Path directory, Function<Path, String> sha256) {
        if (directory == null || folder == null) {
            return;
        }
        ExitCaller.find(Thread.getAllStackTraces()).ifPresent(frame -> ExitCaller.pluginJar(frame).ifPresent(name -> {
            Path file = directory.resolve(name);
            if (!Files.isRegularFile(file)) {
                return;
            }
            try {
                LOG.error("plugin {} called System.exit: {}", name, reject(file, name, "called System.exit in the host"
                        + " at " + ExitCaller.describe(frame) + ": a plugin must never end the JVM",
                        sha256.apply(file), ""));
            } catch (IOException e) {
                LOG.error("plugin {} called System.exit and cannot be moved to {}: {}", name, FOLDER, e.toString());
            }
        }));
    }

    /** Deletes the rejected jar {@code name} and its reason; returns whether there was such a jar. */
    boolean forget(String name) throws IOException {
        if (folder == null) {
            return false;
        }
        Files.deleteIfExists(folder.resolve(name + ".reason.txt"));
        return Files.deleteIfExists(folder.resolve(name));
    }

    private static PluginInfo info(Path jar, String name) throws IOException {
        Path reasonFile = jar.resolveSibling(name + ".reason.txt");
        String why = "no reason was recorded";
        String sha256 = null;
        Instant when = Files.getLastModifiedTime(jar).toInstant();
        if (Files.isRegularFile(reasonFile)) {
            List<String> lines = Files.readAllLines(reasonFile, StandardCharsets.UTF_8);
            why = lines.isEmpty() ? why : lines.get(0);
            sha256 = lines.stream().filter(l -> l.startsWith("sha256: ")).map(l -> l.substring(8)).findFirst()
                    .orElse(null);
            when = Files.getLastModifiedTime(reasonFile).toInstant();
        }
        return new PluginInfo(jar, PluginInfo.Status.FAILED, shown(name, why), List.of(), List.of(), when,
                Files.size(jar), sha256, 0, List.of());
    }
}
