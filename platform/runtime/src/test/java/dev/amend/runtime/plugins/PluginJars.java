package dev.amend.runtime.plugins;

import dev.amend.spi.EditorProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds plugin jars in tests: compiles Java sources against the SPI with the JDK's compiler and packs the
 * classes (optionally leaving some out, to make a jar with missing classes) with their service files.
 */
public final class PluginJars {
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, List<String>> services = new LinkedHashMap<>();
    private final Set<String> omitted = new TreeSet<>();

    /** Returns an empty builder. */
    public static PluginJars builder() {
        return new PluginJars();
    }

    /** Adds the source of class {@code className}; returns this builder. */
    public PluginJars source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Lists {@code impl} in {@code META-INF/services/<spi>}; returns this builder. */
    public PluginJars service(Class<?> spi, String impl) {
        services.computeIfAbsent(spi.getName(), k -> new ArrayList<>()).add(impl);
        return this;
    }

    /** Compiles {@code className} but leaves it out of the jar; returns this builder. */
    public PluginJars omit(String className) {
        omitted.add(className);
        return this;
    }

    /** Adds an editor provider {@code pkg.Provider} named {@code name} at {@code version}, editing nothing. */
    public PluginJars editor(String pkg, String name, String version) {
        source(pkg + ".Params", """
                package %s;
                public record Params(int layer, double scale) implements dev.amend.spi.Hyperparameters { }
                """.formatted(pkg));
        source(pkg + ".Marker", """
                package %s;
                /** Loaded only when an edit runs: proves the plugin's class loader is still open. */
                final class Marker {
                    static String version() { return "%s"; }
                }
                """.formatted(pkg, version));
        source(pkg + ".Provider", """
                package %s;
                import dev.amend.spi.*;
                import dev.amend.spi.edit.*;
                import dev.amend.spi.model.*;
                import java.util.*;
                public final class Provider implements EditorProvider<Params> {
                    public String name() { return "%s"; }
                    public String version() { return "%s"; }
                    public String description() { return "test plugin %s"; }
                    public Class<Params> hyperparameterType() { return Params.class; }
                    public Params defaults(ModelArchitecture a) { return new Params(a.layers() - 1, 0.5); }
                    public Editor create(Params p) {
                        return (model, requests, ctx) -> new Edit(name(), version(), requests, Map.of("layer", p.layer()),
                                List.of(), List.of(), Map.of("marker", Marker.version()));
                    }
                }
                """.formatted(pkg, name, version, name));
        return service(EditorProvider.class, pkg + ".Provider");
    }

    /**
     * Adds an editor provider {@code pkg.Provider} named {@code name} that runs {@code statement} first in
     * {@code method}: one of constructor, name, version, hyperparameterType, defaults or description (e.g. a
     * {@code System.exit(3)}, a {@code throw new AssertionError()} or an endless loop).
     */
    public PluginJars misbehaving(String pkg, String name, String method, String statement) {
        java.util.function.Function<String, String> at = m -> m.equals(method) ? "if (true) { " + statement + " }" : "";
        source(pkg + ".Params", """
                package %s;
                public record Params(int layer) implements dev.amend.spi.Hyperparameters { }
                """.formatted(pkg));
        source(pkg + ".Provider", """
                package %s;
                import dev.amend.spi.*;
                import dev.amend.spi.edit.*;
                import dev.amend.spi.model.*;
                import java.util.*;
                public final class Provider implements EditorProvider<Params> {
                    public Provider() { %s }
                    public String name() { %s return "%s"; }
                    public String version() { %s return "1"; }
                    public String description() { %s return "misbehaves in %s"; }
                    public Class<Params> hyperparameterType() { %s return Params.class; }
                    public Params defaults(ModelArchitecture a) { %s return new Params(a.layers() - 1); }
                    public Editor create(Params p) {
                        return (model, requests, ctx) -> { throw new UnsupportedOperationException(); };
                    }
                }
                """.formatted(pkg, at.apply("constructor"), at.apply("name"), name, at.apply("version"),
                at.apply("description"), method, at.apply("hyperparameterType"), at.apply("defaults")));
        return service(EditorProvider.class, pkg + ".Provider");
    }

    /** Compiles and writes the jar to {@code jar} (atomically: written next to it, then moved); returns it. */
    public Path writeTo(Path jar) {
        try {
            Path work = Files.createTempDirectory("plugin-build-");
            Path src = work.resolve("src");
            Path classes = work.resolve("classes");
            Files.createDirectories(classes);
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17", "-nowarn",
                    "-cp", System.getProperty("java.class.path") + java.io.File.pathSeparator
                            + Path.of(EditorProvider.class.getProtectionDomain().getCodeSource().getLocation()
                            .toURI())));
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(f.getParent());
                Files.writeString(f, e.getValue());
                args.add(f.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            int rc = javac.run(null, null, null, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("the test plugin does not compile (javac exit " + rc + ")");
            }
            Path tmp = jar.resolveSibling("." + jar.getFileName() + ".part");
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(out, mf);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    String entry = classes.relativize(f).toString().replace('\\', '/');
                    String cls = entry.replace('/', '.').replaceAll("\\.class$", "").replaceAll("\\$.*", "");
                    if (omitted.contains(cls)) {
                        continue;
                    }
                    jos.putNextEntry(new JarEntry(entry));
                    jos.write(Files.readAllBytes(f));
                    jos.closeEntry();
                }
                for (Map.Entry<String, List<String>> s : services.entrySet()) {
                    jos.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
                    jos.write((String.join("\n", s.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
                    jos.closeEntry();
                }
            }
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
