package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginJar.Failure;
import dev.amend.spi.AdapterKind;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads one plugin jar in two steps: {@link #copy} copies it into the work directory and checks that every entry
 * reads (and verifies when signed); {@link #open} opens the copy in its own class loader under the SPI's loader and
 * takes the editors, decorators and evaluators it registers, each checked for a name and a version. Opening runs
 * the plugin's code: the host runs it in a child JVM first ({@link PluginJarCheck}), then in a bounded call.
 */
final class PluginJarLoader {
    /** What an opened jar provides. */
    record Opened(URLClassLoader loader, Map<String, MethodProvider<?>> editors,
                  Map<String, EvaluatorProvider> evaluators, Map<String, AdapterKind> adapterKinds,
                  Map<String, String> versions) {
    }

    /** Why a jar cannot be served: {@link Failure#UNFIT}, or {@link Failure#FAULT} when its code failed. */
    static final class Refusal extends Exception {
        final Failure kind;

        Refusal(Failure kind, String why) {
            super(why, null, false, false);
            this.kind = kind;
        }
    }

    private static final java.util.regex.Pattern ADAPTER_KIND = java.util.regex.Pattern.compile(
            "[a-z0-9][a-z0-9._-]{0,63}");

    private final Path workDir;
    private long copies;

    PluginJarLoader(Path workDir) {
        this.workDir = workDir;
    }

    /** Returns the jar at {@code file} copied and hashed, or FAILED (unfit) when it cannot be read as a jar. */
    synchronized PluginJar copy(Path file, Fingerprint fingerprint) {
        PluginJar j = new PluginJar(file, fingerprint, Instant.now());
        try {
            j.copy = workDir.resolve((++copies) + "-" + file.getFileName());
            Files.copy(file, j.copy, StandardCopyOption.REPLACE_EXISTING);
            j.size = Files.size(j.copy);
            j.sha256 = sha256(j.copy);
            readEveryEntry(j.copy);
            return j;
        } catch (IOException | SecurityException e) {
            return j.fail("not a readable jar: " + FailureText.of(e), Failure.UNFIT);
        }
    }

    /**
     * Returns what the copy of {@code j} provides, opened in a new class loader; {@code step} hears each plugin
     * call before it is made.
     *
     * @throws Refusal when the jar provides nothing fit to serve or its code throws (its loader is closed then)
     */
    static Opened open(PluginJar j, Consumer<String> step) throws Refusal {
        URLClassLoader loader = null;
        try {
            loader = new URLClassLoader("plugin:" + j.file.getFileName(), new URL[] {j.copy.toUri().toURL()},
                    EditorProvider.class.getClassLoader());
            Opened o = new Opened(loader, new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(),
                    new LinkedHashMap<>());
            addEditors(o, step);
            addEvaluators(o, step);
            addAdapterKinds(o, step);
            if (o.editors().isEmpty() && o.evaluators().isEmpty() && o.adapterKinds().isEmpty()) {
                throw new Refusal(Failure.UNFIT, "provides no editor or evaluator (nor an adapter kind): add"
                        + " META-INF/services/" + EditorProvider.class.getName() + ", "
                        + EditorDecorator.class.getName() + ", " + EvaluatorProvider.class.getName() + " or "
                        + AdapterKind.class.getName() + " naming the provider classes");
            }
            return o;
        } catch (Refusal r) {
            close(loader);
            throw r;
        } catch (Throwable t) {
            close(loader);
            throw new Refusal(Failure.FAULT, FailureText.of(t));
        }
    }

    /** Returns {@code code}'s answer, after telling {@code step} what runs; a Throwable it throws is a fault. */
    static <T> T call(Consumer<String> step, String what, Callable<T> code) throws Refusal {
        step.accept(what);
        try {
            return code.call();
        } catch (Throwable t) {
            throw new Refusal(Failure.FAULT, what + " threw " + FailureText.of(t));
        }
    }

    private static void addEditors(Opened o, Consumer<String> step) throws Refusal {
        List<ServiceLoader.Provider<? extends MethodProvider>> methods = new ArrayList<>();
        call(step, "reading the jar's service files", () -> {
            methods.addAll(ServiceLoader.load(EditorProvider.class, o.loader()).stream().toList());
            return methods.addAll(ServiceLoader.load(EditorDecorator.class, o.loader()).stream().toList());
        });
        for (ServiceLoader.Provider<? extends MethodProvider> p : methods) {
            Class<?> type = call(step, "loading a provider class", p::type);
            if (type.getClassLoader() != o.loader()) {
                continue;
            }
            MethodProvider<?> e = call(step, type.getName() + ".<init>", p::get);
            String name = checkName(call(step, type.getName() + ".name()", e::name), type, o.editors());
            String version = checkVersion(call(step, type.getName() + ".version()", e::version), type);
            Class<? extends Hyperparameters> hp = call(step, type.getName() + ".hyperparameterType()",
                    e::hyperparameterType);
            if (hp == null || !hp.isRecord()) {
                throw new Refusal(Failure.UNFIT, type.getName() + ".hyperparameterType() must return a record type,"
                        + " got " + hp);
            }
            o.editors().put(name, e);
            o.versions().put("editor:" + name, version);
        }
    }

    private static void addEvaluators(Opened o, Consumer<String> step) throws Refusal {
        List<ServiceLoader.Provider<EvaluatorProvider>> evaluators = call(step, "reading the jar's service files",
                () -> ServiceLoader.load(EvaluatorProvider.class, o.loader()).stream().toList());
        for (ServiceLoader.Provider<EvaluatorProvider> p : evaluators) {
            Class<?> type = call(step, "loading a provider class", p::type);
            if (type.getClassLoader() != o.loader()) {
                continue;
            }
            EvaluatorProvider e = call(step, type.getName() + ".<init>", p::get);
            String name = checkName(call(step, type.getName() + ".name()", e::name), type, o.evaluators());
            String version = checkVersion(call(step, type.getName() + ".version()", e::version), type);
            if (call(step, type.getName() + ".protocol()", e::protocol) == null) {
                throw new Refusal(Failure.UNFIT, type.getName() + ".protocol() returned no protocol");
            }
            o.evaluators().put(name, e);
            o.versions().put("evaluator:" + name, version);
        }
    }

    private static void addAdapterKinds(Opened o, Consumer<String> step) throws Refusal {
        List<ServiceLoader.Provider<AdapterKind>> kinds = call(step, "reading the jar's service files",
                () -> ServiceLoader.load(AdapterKind.class, o.loader()).stream().toList());
        for (ServiceLoader.Provider<AdapterKind> p : kinds) {
            Class<?> type = call(step, "loading a provider class", p::type);
            if (type.getClassLoader() != o.loader()) {
                continue;
            }
            AdapterKind k = call(step, type.getName() + ".<init>", p::get);
            String name = checkName(call(step, type.getName() + ".kind()", k::kind), type, o.adapterKinds());
            if (!ADAPTER_KIND.matcher(name).matches()) {
                throw new Refusal(Failure.UNFIT, type.getName() + ".kind() returned \"" + name + "\": an adapter kind"
                        + " is 1-64 lower-case letters, digits, '.', '_' or '-'");
            }
            String version = checkVersion(call(step, type.getName() + ".version()", k::version), type);
            o.adapterKinds().put(name, k);
            o.versions().put("adapter:" + name, version);
        }
    }

    private static String checkName(String name, Class<?> type, Map<String, ?> sameJar) throws Refusal {
        if (name == null || name.isBlank()) {
            throw new Refusal(Failure.UNFIT, type.getName() + ".name() returned no name");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (sameJar.containsKey(lower)) {
            throw new Refusal(Failure.UNFIT, "\"" + lower + "\" is already provided by another provider in the same"
                    + " jar; the first one wins (rename the method or remove one of them)");
        }
        return lower;
    }

    private static String checkVersion(String version, Class<?> type) throws Refusal {
        if (version == null) {
            throw new Refusal(Failure.UNFIT, type.getName() + ".version() returned no version");
        }
        return version;
    }

    private static void close(URLClassLoader loader) {
        if (loader != null) {
            try {
                loader.close();
            } catch (IOException e) {
                // the jar is refused anyway
            }
        }
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
