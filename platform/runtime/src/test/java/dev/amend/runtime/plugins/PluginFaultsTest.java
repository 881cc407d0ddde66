package dev.amend.runtime.plugins;

import static dev.amend.runtime.plugins.PluginCatalogTest.ARCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.plugins.PluginInfo.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins whose code fails (throws an Error, calls System.exit, never answers) cannot wedge or stop the catalog:
 * each such jar is rejected into {@code rejected/} with its reason and everything else keeps being served.
 */
class PluginFaultsTest {
    static final String HANG = "for (;;) { try { Thread.sleep(1000); } catch (InterruptedException e) { } }";

    @TempDir
    Path tmp;

    Path dir() throws IOException {
        return Files.createDirectories(tmp.resolve("plugins"));
    }

    static Map<String, PluginInfo> byFile(PluginCatalog catalog) {
        return catalog.plugins().stream().collect(Collectors.toMap(p -> p.file().getFileName().toString(), p -> p));
    }

    /** Asserts that {@code jar} was moved from {@code dir} into {@code dir/rejected} beside a reason naming {@code why}. */
    static void assertRejected(Path dir, String jar, String why) throws IOException {
        assertFalse(Files.exists(dir.resolve(jar)), jar + " is no longer in the plugins directory");
        assertTrue(Files.isRegularFile(dir.resolve("rejected").resolve(jar)), jar + " is kept in rejected/");
        String reason = Files.readString(dir.resolve("rejected").resolve(jar + ".reason.txt"));
        assertTrue(reason.contains(why), "the reason of " + jar + " names <" + why + ">: " + reason);
    }

    @Test
    void aProviderThrowingAnErrorIsRejectedAndTheRestIsServed() throws IOException {
        Path dir = dir();
        PluginJars.builder().editor("p.good", "good", "1").writeTo(dir.resolve("a-good.jar"));
        PluginJars.builder().misbehaving("p.err", "err", "name", "throw new AssertionError(\"name is broken\");")
                .writeTo(dir.resolve("b-error-in-name.jar"));
        PluginJars.builder().misbehaving("p.def", "def", "defaults", "throw new AssertionError(\"no defaults\");")
                .writeTo(dir.resolve("c-error-in-defaults.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO)) {
            Map<String, PluginInfo> plugins = byFile(catalog);
            assertEquals(Status.LOADED, plugins.get("a-good.jar").status());
            PluginCatalogTest.assertFailed(plugins.get("b-error-in-name.jar"), "AssertionError: name is broken");
            PluginCatalogTest.assertFailed(plugins.get("b-error-in-name.jar"), "rejected");
            PluginCatalogTest.assertFailed(plugins.get("c-error-in-defaults.jar"), "no defaults");
            assertRejected(dir, "b-error-in-name.jar", "AssertionError: name is broken");
            assertRejected(dir, "c-error-in-defaults.jar", "AssertionError: no defaults");
            assertTrue(catalog.editors(ARCH).stream().anyMatch(m -> m.name().equals("good")));
            assertTrue(catalog.editors(ARCH).stream().noneMatch(m -> m.name().equals("err") || m.name().equals("def")));
        }
    }

    @Test
    void theWatcherKeepsLoadingJarsAfterAProviderThrewAnError() throws Exception {
        Path dir = dir();
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ofMillis(50))) {
            PluginJars.builder().misbehaving("p.err", "err", "constructor", "throw new AssertionError(\"no\");")
                    .writeTo(dir.resolve("error.jar"));
            awaitTrue(() -> Files.exists(dir.resolve("rejected/error.jar")), "error.jar rejected");
            PluginJars.builder().editor("p.later", "later", "1").writeTo(dir.resolve("later.jar"));
            awaitTrue(() -> catalog.registry().editors().containsKey("later"), "later.jar loaded by the watcher");
        }
    }

    @Test
    void aJarCallingSystemExitIsRejectedWithoutEndingThisJvm() throws IOException {
        Path dir = dir();
        PluginJars.builder().editor("p.good", "good", "1").writeTo(dir.resolve("good.jar"));
        PluginJars.builder().misbehaving("p.ctor", "ctor", "constructor", "System.exit(3);")
                .writeTo(dir.resolve("exit-in-constructor.jar"));
        PluginJars.builder().misbehaving("p.name", "name", "name", "System.exit(0);")
                .writeTo(dir.resolve("exit-in-name.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO)) {
            Map<String, PluginInfo> plugins = byFile(catalog);
            assertEquals(Status.LOADED, plugins.get("good.jar").status());
            PluginCatalogTest.assertFailed(plugins.get("exit-in-constructor.jar"), "System.exit");
            PluginCatalogTest.assertFailed(plugins.get("exit-in-name.jar"), "System.exit");
            assertRejected(dir, "exit-in-constructor.jar", "p.ctor.Provider.<init>");
            assertRejected(dir, "exit-in-name.jar", "p.name.Provider.name");
            java.util.Set<String> classPath = EditorRegistry.classPath().editors().keySet();
            assertEquals(List.of("good"), catalog.registry().editors().keySet().stream()
                    .filter(n -> !classPath.contains(n)).toList());
        }
    }

    @Test
    void closingDoesNotWaitForAScanStuckInPluginCode() throws Exception {
        Path dir = dir();
        PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO);
        PluginJars.builder().misbehaving("p.hang", "hang", "name", HANG).writeTo(dir.resolve("hang.jar"));
        CompletableFuture<Void> scan = CompletableFuture.runAsync(catalog::refresh);
        Thread.sleep(2000);
        assertFalse(scan.isDone(), "the scan is stuck in the plugin's name()");
        assertTimeoutPreemptively(Duration.ofSeconds(5), catalog::close, "close() does not wait for the scan");
        scan.get(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(dir.resolve("hang.jar")), "a jar whose check was cut short by close() stays");
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
