package dev.amend.runtime.plugins;

import dev.amend.spi.EditorProvider;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The java launcher and class path of the child JVM that checks plugin jars. The class path is what the host's
 * plugins see from their parent loader: this JVM's {@code java.class.path} (tests, the CLI), and, when the host runs
 * as a packaged Quarkus app ({@code quarkus-app/quarkus-run.jar}, whose own class loader reads {@code lib/} and is
 * not on {@code java.class.path}), every jar in {@code lib/boot} and {@code lib/main}. The jars holding the check
 * itself, the SPI and SLF4J come first.
 */
final class CheckClassPath {
    private static volatile String classPath;

    private CheckClassPath() {
    }

    /** Returns the java launcher of this JVM. */
    static String java() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Returns the child's class path (computed once). */
    static String get() {
        String cp = classPath;
        if (cp == null) {
            classPath = cp = String.join(File.pathSeparator, entries(System.getProperty("java.class.path", "")));
        }
        return cp;
    }

    /** Returns the class path entries for a JVM whose {@code java.class.path} is {@code javaClassPath}. */
    static Set<String> entries(String javaClassPath) {
        Set<String> out = new LinkedHashSet<>();
        for (Class<?> c : List.of(PluginJarCheck.class, EditorProvider.class, org.slf4j.Logger.class)) {
            String own = codeSource(c);
            if (own != null) {
                out.add(own);
            }
        }
        for (String e : javaClassPath.split(File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            out.add(e);
            Path lib = Path.of(e).toAbsolutePath().resolveSibling("lib");
            if (Path.of(e).getFileName().toString().equals("quarkus-run.jar") && Files.isDirectory(lib.resolve("main"))) {
                out.add(lib.resolve("boot") + File.separator + "*");
                out.add(lib.resolve("main") + File.separator + "*");
            }
        }
        return out;
    }

    /** Returns the jar or folder {@code c} was loaded from, or null when it cannot be told. */
    private static String codeSource(Class<?> c) {
        try {
            CodeSource s = c.getProtectionDomain().getCodeSource();
            URL url = s == null ? null : s.getLocation();
            if (url == null) {
                return null;
            }
            String u = url.toString();
            if (u.startsWith("jar:")) {
                u = u.substring(4, u.contains("!/") ? u.indexOf("!/") : u.length());
            }
            if (!u.startsWith("file:")) {
                return null;
            }
            Path p = Path.of(new java.net.URI(u));
            return Files.exists(p) ? p.toString() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
