package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.plugins.PluginJars;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins that call System.exit or throw an Error cannot wedge the packaged host: uploads of such jars are refused
 * (checked in a child JVM) while the host keeps serving, SIGTERM still stops it, a restart with such a jar in the
 * plugins directory becomes ready without it, and a plugin that exits only inside the host stops it cleanly and is
 * moved to rejected/ on the way down.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginFaultsHostTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** A provider whose name() ends the JVM unless it runs in the plugin check's child JVM. */
    static final String EXIT_OUTSIDE_THE_CHECK = "if (!System.getProperty(\"sun.java.command\", \"\")"
            + ".contains(\"PluginJarCheck\")) { System.exit(7); }";

    @TempDir
    static Path work;
    static HostProcess host;

    static Path data() {
        return work.resolve("data");
    }

    static Path plugins() {
        return HostProcess.pluginsDir(data());
    }

    @AfterAll
    static void stopHost() {
        if (host != null) {
            host.close();
        }
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> upload(String file, Path jar) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/api/v1/plugins?file=" + file))
                .header("Authorization", "Bearer " + HostProcess.TOKEN)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(jar)));
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(host.baseUrl() + path)));
    }

    static void assertServing() throws IOException, InterruptedException {
        assertEquals(200, get("/q/health/ready").statusCode(), host.logTail());
        HttpResponse<String> g = send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/api/v1/models/demo/generate"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"The capital of France is\",\"maxNewTokens\":3}")));
        assertEquals(200, g.statusCode(), g.body());
    }

    static void assertRejected(String jar, String why) throws IOException {
        assertFalse(Files.exists(plugins().resolve(jar)), jar + " is not in the plugins directory");
        assertTrue(Files.isRegularFile(plugins().resolve("rejected").resolve(jar)), jar + " is in rejected/");
        String reason = Files.readString(plugins().resolve("rejected").resolve(jar + ".reason.txt"));
        assertTrue(reason.contains(why), "the reason names <" + why + ">: " + reason);
    }

    static Path exitJar(String pkg, String method, String statement) {
        return PluginJars.builder().misbehaving(pkg, pkg.replace('.', '-'), method, statement)
                .writeTo(work.resolve(pkg + ".jar"));
    }

    @Test
    @Order(1)
    void uploadsThatCallSystemExitAreRefusedWhileTheHostKeepsServing() throws Exception {
        Files.createDirectories(plugins());
        host = HostProcess.withToken(data());
        long t0 = System.nanoTime();
        HttpResponse<String> ctor = upload("exit-ctor.jar", exitJar("p.ctor", "constructor", "System.exit(3);"));
        long exitUploadMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(400, ctor.statusCode(), ctor.body());
        assertTrue(ctor.body().contains("called System.exit(3) at p.ctor.Provider.<init>"), ctor.body());
        assertRejected("exit-ctor.jar", "System.exit(3)");
        HttpResponse<String> name = upload("exit-name.jar", exitJar("p.name", "name", "System.exit(0);"));
        assertEquals(400, name.statusCode(), name.body());
        assertTrue(name.body().contains("p.name.Provider.name"), name.body());
        assertServing();
        assertTrue(get("/api/v1/plugins").body().contains("exit-name.jar"), "rejected jars are listed");

        // the child-JVM check's share of an upload: the first upload of a jar is checked, the same bytes again are not
        Path example = PluginHotSwapTest.V1;
        t0 = System.nanoTime();
        assertEquals(201, upload("example-plugin.jar", example).statusCode());
        long checkedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/api/v1/plugins/example-plugin.jar"))
                .header("Authorization", "Bearer " + HostProcess.TOKEN).DELETE()).statusCode());
        t0 = System.nanoTime();
        assertEquals(201, upload("example-plugin.jar", example).statusCode());
        long cachedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("plugin upload: example plugin %d ms with the child-JVM check, %d ms when its hash passed"
                + " already (check ≈ %d ms); a jar calling System.exit refused in %d ms%n", checkedMs, cachedMs,
                checkedMs - cachedMs, exitUploadMs);
    }

    @Test
    @Order(2)
    void anUploadWhoseProviderThrowsAnErrorIsA400AndTheWatcherKeepsLoading() throws Exception {
        HttpResponse<String> r = upload("assert.jar",
                exitJar("p.asserting", "name", "throw new AssertionError(\"broken name\");"));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("AssertionError: broken name"), r.body());
        assertRejected("assert.jar", "AssertionError: broken name");
        // the same kind of jar copied straight into the directory: the watcher rejects it and keeps going
        copyIn(exitJar("p.asserting2", "constructor", "throw new AssertionError(\"no\");"), "assert2.jar");
        Path later = PluginJars.builder().editor("p.later", "later-editor", "1").writeTo(work.resolve("later.jar"));
        copyIn(later, "later.jar");
        awaitTrue(() -> get("/api/v1/methods").body().contains("later-editor"), "later.jar served");
        assertRejected("assert2.jar", "AssertionError: no");
        assertServing();
    }

    @Test
    @Order(3)
    void sigtermStillStopsTheHost() {
        assertTrue(host.terminate(Duration.ofSeconds(30)), "the host stops on SIGTERM:\n" + host.logTail());
    }

    @Test
    @Order(4)
    void aRestartWithASystemExitJarInTheDirectoryBecomesReadyWithoutIt() throws Exception {
        copyIn(exitJar("p.restart", "name", "System.exit(5);"), "exit-on-restart.jar");
        host = HostProcess.withToken(data());
        assertRejected("exit-on-restart.jar", "System.exit(5)");
        assertServing();
        assertTrue(get("/api/v1/methods").body().contains("later-editor"), "the good jars are served");
    }

    @Test
    @Order(5)
    void aPluginExitingOnlyInsideTheHostStopsItCleanlyAndIsNotLoadedAgain() throws Exception {
        copyIn(exitJar("p.sneaky", "name", EXIT_OUTSIDE_THE_CHECK), "sneaky.jar");
        assertTrue(host.awaitExit(Duration.ofSeconds(60)), "the host ends instead of hanging:\n" + host.logTail());
        assertRejected("sneaky.jar", "called System.exit in the host at p.sneaky.Provider.name");
        host = HostProcess.withToken(data());
        assertServing();
    }

    static void copyIn(Path jar, String name) throws IOException {
        Path tmp = plugins().resolve("." + name + ".part");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, plugins().resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what + "\n" + host.logTail());
            }
            Thread.sleep(200);
        }
    }
}
