package dev.amend.runtime.plugins;

import static dev.amend.runtime.plugins.PluginCatalogTest.ARCH;
import static dev.amend.runtime.plugins.PluginFaultsTest.HANG;
import static dev.amend.runtime.plugins.PluginFaultsTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.plugins.PluginInfo.Status;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks' settings and parts: time limits in the child and in this JVM, vetting an upload, rejected jars. */
class PluginChecksTest {
    static final PluginChecks CHILD_2S = new PluginChecks(true, Duration.ofSeconds(2));
    static final PluginChecks IN_PROCESS_2S = new PluginChecks(false, Duration.ofSeconds(2));

    @TempDir
    Path tmp;

    Path dir() throws IOException {
        return Files.createDirectories(tmp.resolve("plugins"));
    }

    @Test
    void aJarThatHangsInTheChildIsRejectedAfterTheTimeoutAndStartUpGoesOn() throws IOException {
        Path dir = dir();
        PluginJars.builder().misbehaving("p.hang", "hang", "name", HANG).writeTo(dir.resolve("a-hang.jar"));
        PluginJars.builder().editor("p.good", "good", "1").writeTo(dir.resolve("b-good.jar"));
        PluginCatalog catalog = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> PluginCatalog.open(dir, Duration.ZERO, getClass().getClassLoader(), CHILD_2S));
        try (catalog) {
            assertRejected(dir, "a-hang.jar", "did not finish its check within 2 s (still in p.hang.Provider.name())");
            assertEquals(Status.LOADED, PluginFaultsTest.byFile(catalog).get("b-good.jar").status(),
                    "the jar after the hung one is checked in a new child JVM");
        }
    }

    @Test
    void withoutTheChildJvmProviderCallsAreStillBoundedAndFaultsRejected() throws Exception {
        Path dir = dir();
        PluginJars.builder().misbehaving("p.hang", "hang", "version", HANG).writeTo(dir.resolve("hang.jar"));
        PluginJars.builder().misbehaving("p.err", "err", "hyperparameterType", "throw new StackOverflowError();")
                .writeTo(dir.resolve("error.jar"));
        PluginJars.builder().misbehaving("p.desc", "desc", "description", "throw new AssertionError(\"no words\");")
                .writeTo(dir.resolve("description.jar"));
        PluginCatalog catalog = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> PluginCatalog.open(dir, Duration.ofMillis(50), getClass().getClassLoader(), IN_PROCESS_2S));
        try (catalog) {
            assertRejected(dir, "hang.jar", "did not answer within 2 s (still in p.hang.Provider.version())");
            assertRejected(dir, "error.jar", "p.err.Provider.hyperparameterType() threw StackOverflowError");
            // description() is not called when loading in process: listing the methods leaves it out instead of failing
            assertEquals(Status.LOADED, PluginFaultsTest.byFile(catalog).get("description.jar").status());
            assertTrue(catalog.editors(ARCH).stream().noneMatch(m -> m.name().equals("desc")));
            PluginJars.builder().editor("p.later", "later", "1").writeTo(dir.resolve("later.jar"));
            PluginFaultsTest.awaitTrue(() -> catalog.registry().editors().containsKey("later"), "later.jar loaded");
        }
    }

    @Test
    void anUploadIsVettedBeforeItEntersTheDirectory() throws IOException {
        Path dir = dir();
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO, getClass().getClassLoader(), CHILD_2S)) {
            Path staged = PluginJars.builder().misbehaving("p.exit", "exit", "name", "System.exit(9);")
                    .writeTo(dir.resolve(".upload-1.tmp"));
            String refused = catalog.vet(staged, "exit.jar");
            assertTrue(refused.contains("called System.exit(9) at p.exit.Provider.name"), refused);
            assertTrue(refused.contains("rejected: moved to rejected/exit.jar"), refused);
            assertFalse(Files.exists(staged));
            assertRejected(dir, "exit.jar", "System.exit(9)");
            PluginInfo listed = PluginFaultsTest.byFile(catalog).get("exit.jar");
            assertEquals(Status.FAILED, listed.status());
            assertEquals(dir.resolve("rejected/exit.jar"), listed.file());
            assertEquals(64, listed.sha256().length());

            Path good = PluginJars.builder().editor("p.ok", "ok", "1").writeTo(dir.resolve(".upload-2.tmp"));
            assertNull(catalog.vet(good, "exit.jar"));
            Files.move(good, dir.resolve("exit.jar"));
            catalog.refresh();
            List<PluginInfo> plugins = catalog.plugins();
            assertEquals(1, plugins.size(), "a jar in the directory hides the rejected one of its name: " + plugins);
            assertEquals(Status.LOADED, plugins.get(0).status());

            Files.delete(dir.resolve("exit.jar"));
            catalog.refresh();
            assertEquals(1, catalog.plugins().size(), "the rejected one is listed again");
            assertTrue(catalog.forgetRejected("exit.jar"));
            assertFalse(catalog.forgetRejected("exit.jar"));
            assertTrue(catalog.plugins().isEmpty());
            assertFalse(Files.exists(dir.resolve("rejected/exit.jar.reason.txt")));

            Path notAJar = Files.writeString(dir.resolve(".upload-3.tmp"), "not a jar");
            assertTrue(catalog.vet(notAJar, "x.jar").startsWith("not a readable jar"));
            assertFalse(Files.exists(dir.resolve("rejected/x.jar")), "an unreadable jar ran no code: not rejected");
        }
    }

    @Test
    void theCallerOfSystemExitIsFoundInTheThreadsStacks() {
        StackTraceElement[] exiting = {
            new StackTraceElement(null, "java.base", "17", "java.lang.Shutdown", "exit", "Shutdown.java", 173),
            new StackTraceElement(null, "java.base", "17", "java.lang.Runtime", "exit", "Runtime.java", 115),
            new StackTraceElement(null, "java.base", "17", "java.lang.System", "exit", "System.java", 1860),
            new StackTraceElement("plugin:bad.jar", null, null, "p.Provider", "name", "Provider.java", 7),
            new StackTraceElement("app", null, null, "dev.amend.X", "run", "X.java", 1)};
        StackTraceElement[] idle = {new StackTraceElement("java.lang.Object", "wait", null, -2)};
        StackTraceElement caller = ExitCaller.find(Map.of(new Thread(), idle, Thread.currentThread(), exiting))
                .orElseThrow();
        assertEquals("p.Provider.name (Provider.java:7)", ExitCaller.describe(caller));
        assertEquals("bad.jar", ExitCaller.pluginJar(caller).orElseThrow());
        assertTrue(ExitCaller.find(Map.of(new Thread(), idle)).isEmpty());
        assertTrue(ExitCaller.pluginJar(exiting[4]).isEmpty());
    }

    @Test
    void thePackagedHostsLibrariesAreOnTheCheckClassPath() throws IOException {
        Path app = Files.createDirectories(tmp.resolve("quarkus-app"));
        Files.createDirectories(app.resolve("lib/main"));
        Files.createDirectories(app.resolve("lib/boot"));
        Path run = Files.writeString(app.resolve("quarkus-run.jar"), "");
        List<String> entries = List.copyOf(CheckClassPath.entries(run.toString()));
        assertTrue(entries.contains(app.resolve("lib/main") + File.separator + "*"), entries.toString());
        assertTrue(entries.contains(app.resolve("lib/boot") + File.separator + "*"), entries.toString());
        assertTrue(entries.indexOf(run.toString()) > 0, "the check's own classes come first: " + entries);
        assertFalse(CheckClassPath.entries("/x/y.jar").stream().anyMatch(e -> e.endsWith("*")));
    }
}
