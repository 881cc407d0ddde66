package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.MethodProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads one plugin jar: copies it into the work directory, checks that every entry reads (and verifies when
 * signed), opens it in its own class loader under the SPI's loader, and takes the editors, decorators and
 * evaluators it registers, each checked for a name, a version and a name no one else serves.
 */
final class PluginJarLoader {
    /** Says who already serves a name, or null; {@code editor} picks editors or evaluators. */
    @FunctionalInterface
    interface NameOwners {
        /** Returns who already provides {@code name} besides {@code self} (for messages), or null. */
        String owner(String name, boolean editor, PluginJar self);
    }

    private final Path workDir;
    private final NameOwners owners;
    private long copies;

    PluginJarLoader(Path workDir, NameOwners owners) {
        this.workDir = workDir;
        this.owners = owners;
    }

    /** Returns the jar at {@code file}, LOADED with its providers or FAILED with the reason. */
    PluginJar load(Path file, Fingerprint fingerprint) {
        PluginJar j = new PluginJar(file, fingerprint, Instant.now());
        try {
            j.copy = workDir.resolve((++copies) + "-" + file.getFileName());
            Files.copy(file, j.copy, StandardCopyOption.REPLACE_EXISTING);
            j.size = Files.size(j.copy);
            j.sha256 = sha256(j.copy);
            try {
                readEveryEntry(j.copy);
            } catch (IOException | SecurityException e) {
                return j.fail("not a readable jar: " + FailureText.of(e), false);
            }
            j.loader = new URLClassLoader("plugin:" + file.getFileName(), new URL[] {j.copy.toUri().toURL()},
                    EditorProvider.class.getClassLoader());
            PluginJar failed = addEditors(j);
            if (failed == null) {
                failed = addEvaluators(j);
            }
            if (failed != null) {
                return failed;
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
            return j.fail(FailureText.of(e), false);
        }
    }

    /** Adds the jar's own editors and decorators; returns the jar FAILED when one is unfit, else null. */
    private PluginJar addEditors(PluginJar j) {
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
            String clash = owners.owner(name, true, j);
            if (clash != null) {
                return j.fail("editor \"" + name + "\" is already provided by " + clash
                        + "; the first one wins (rename the method or remove one of them)", true);
            }
            j.editors.put(name, e);
        }
        return null;
    }

    /** Adds the jar's own evaluators; returns the jar FAILED when one is unfit, else null. */
    private PluginJar addEvaluators(PluginJar j) {
        for (ServiceLoader.Provider<EvaluatorProvider> p
                : ServiceLoader.load(EvaluatorProvider.class, j.loader).stream().toList()) {
            if (p.type().getClassLoader() != j.loader) {
                continue;
            }
            EvaluatorProvider e = p.get();
            String name = checkName(e.name(), p.type());
            Objects.requireNonNull(e.version(), "version()");
            Objects.requireNonNull(e.protocol(), "protocol()");
            String clash = owners.owner(name, false, j);
            if (clash != null) {
                return j.fail("evaluator \"" + name + "\" is already provided by " + clash
                        + "; the first one wins (rename the evaluator or remove one of them)", true);
            }
            j.evaluators.put(name, e);
        }
        return null;
    }

    private static String checkName(String name, Class<?> type) {
        if (name == null || name.isBlank()) {
            throw new IllegalStateException(type.getName() + ".name() returned no name");
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** Reads every entry of the jar, which also checks the signatures of a signed jar. */
    private static void readEveryEntry(Path jarFile) throws IOException {
        try (JarFile jar = new JarFile(jarFile.toFile(), true)) {
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                JarEntry entry = en.nextElement();
                if (!entry.isDirectory()) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                }
            }
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
}
