package dev.amend.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged host ({@code platform/server/target/quarkus-app/quarkus-run.jar}) running as a separate
 * process with its own data directory, started and stopped by a test. {@link #kill()} sends SIGKILL, so
 * a test can restart a host on the same data directory as after a crash.
 */
public final class HostProcess implements AutoCloseable {
    /** The token hosts started by {@link #withToken} accept. */
    public static final String TOKEN = "it-token";

    private final Process process;
    private final int port;
    private final Path log;

    private HostProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Returns the project's root directory (set by the build as amend.project.dir). */
    public static Path projectDir() {
        return Path.of(System.getProperty("amend.project.dir", "../.."));
    }

    /** Returns the packaged host's folder, or fails saying how to build it. */
    public static Path appDir() {
        Path dir = projectDir().resolve("platform/server/target/quarkus-app");
        if (!Files.isRegularFile(dir.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(dir.resolve("quarkus-run.jar") + " is missing: build the host first"
                    + " (mvn -pl integration-tests/host-tests -am verify builds it in the reactor)");
        }
        return dir;
    }

    /** Returns the java launcher of the JVM running the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Returns a free TCP port. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the plugins directory a host started by {@link #withToken} on {@code dataDir} watches: {@code <dataDir>-plugins}. */
    public static Path pluginsDir(Path dataDir) {
        return dataDir.toAbsolutePath().resolveSibling(dataDir.getFileName() + "-plugins");
    }

    /**
     * Returns the command that starts the packaged host on {@code port} with {@code dataDir} and {@link #pluginsDir}
     * (polled every 200 ms), plus {@code extra} system properties.
     */
    public static List<String> command(int port, Path dataDir, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx2g", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_interop_threads=1",
                // as ./amend serve: half the cores per PyTorch operation (its threads spin while they wait)
                "-Dai.djl.pytorch.num_threads=" + Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                "-Dquarkus.http.port=" + port,
                "-Damend.data-dir=" + dataDir.toAbsolutePath(), "-Damend.plugins.dir=" + pluginsDir(dataDir),
                "-Damend.plugins.poll-millis=200"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-jar", appDir().resolve("quarkus-run.jar").toString()));
        return cmd;
    }

    /** Returns a host started with {@link #TOKEN} as its token and {@code dataDir} as its data directory, once ready. */
    public static HostProcess withToken(Path dataDir, String... extra) {
        int port = freePort();
        return start(command(port, dataDir, extra), Map.of("AMEND_AUTH_TOKEN", TOKEN), port,
                dataDir.resolveSibling(dataDir.getFileName() + "-host.log"));
    }

    /**
     * Returns the host started with {@code command} and {@code env} (over the test's environment, with
     * DJL_CACHE_DIR kept), listening on {@code port}, once {@code /q/health/ready} answers 200; output goes to {@code log}.
     */
    public static HostProcess start(List<String> command, Map<String, String> env, int port, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().remove("AMEND_AUTH_TOKEN");
            pb.environment().putIfAbsent("DJL_CACHE_DIR", System.getProperty("DJL_CACHE_DIR",
                    System.getProperty("user.home") + "/.djl.ai"));
            pb.environment().putAll(env);
            HostProcess host = new HostProcess(pb.start(), port, log);
            host.awaitReady(Duration.ofSeconds(180));
            return host;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the host: " + command, e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the host exited with " + process.exitValue() + " before it was"
                        + " ready:\n" + logTail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the host was not ready within " + timeout + ":\n" + logTail());
    }

    /** Returns the host's HTTP (and gRPC) port. */
    public int port() {
        return port;
    }

    /** Returns {@code http://localhost:PORT}. */
    public String baseUrl() {
        return "http://localhost:" + port;
    }

    /** Returns the host process's id. */
    public long pid() {
        return process.pid();
    }

    /** Returns the last lines of the host's output. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Sends SIGTERM (the host begins its graceful shutdown) and returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Returns the host's exit code once it exited, or throws when it is still running after {@code timeout}. */
    public int awaitExitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the host did not exit within " + timeout + ":\n" + logTail());
        }
        return process.exitValue();
    }

    /** Returns the host's whole output so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Returns whether the host process ended (by itself) within {@code timeout}. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends SIGTERM and returns whether the host stopped within {@code timeout} (it is not killed otherwise). */
    public boolean terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** Kills the host with SIGKILL (no shutdown hooks run) and waits for it to be gone. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** Stops the host gracefully (SIGTERM), killing it if it does not stop within 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    private void waitFor() {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
