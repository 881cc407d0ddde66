package dev.amend.runtime.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A private PostgreSQL cluster for tests: {@code initdb} in a temporary directory, started with {@code pg_ctl} on a
 * free port of 127.0.0.1 (password login for the user {@value #USER}), stopped and deleted by {@link #close}. The
 * binaries come from {@code -Damend.pg.bin=DIR}, else the newest {@code /usr/lib/postgresql/<version>/bin}; when there
 * are none, {@link #startOrSkip} skips the calling test saying how to get them. As root, the server runs as the
 * {@code postgres} user (PostgreSQL refuses to run as root).
 */
public final class PostgresCluster implements AutoCloseable {
    /** The user tests log in as. */
    public static final String USER = "amend";
    /** Its password. */
    public static final String PASSWORD = "amend-test-secret";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresCluster(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Returns the directory holding initdb and pg_ctl, when this machine has one. */
    public static Optional<Path> binaries() {
        String given = System.getProperty("amend.pg.bin");
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given)).filter(PostgresCluster::hasTools);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(PostgresCluster::hasTools)
                    .max(Comparator.comparing(p -> versionOf(p.getParent())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns a started cluster with an empty database {@code amend}, or skips the calling test (JUnit assumption)
     * when no PostgreSQL binaries are installed.
     */
    public static PostgresCluster startOrSkip() throws IOException, InterruptedException {
        Optional<Path> bin = binaries();
        Assumptions.assumeTrue(bin.isPresent(), "PostgreSQL binaries (initdb, pg_ctl) not found under"
                + " /usr/lib/postgresql/*/bin: install Debian's postgresql package (apt-get install postgresql) or set"
                + " -Damend.pg.bin=DIR to run the shared-ledger tests");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Assumptions.assumeTrue(run(List.of("id", "-u", "postgres"), false, null) == 0, "running as root, but there is no"
                    + " postgres user to run the PostgreSQL server as (PostgreSQL refuses root)");
        }
        Path dir = Files.createTempDirectory("amend-pg-");
        PostgresCluster c = new PostgresCluster(bin.get(), dir, freePort(), root);
        try {
            c.init();
            c.start();
            c.createDatabase("amend");
            return c;
        } catch (IOException | RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
    }

    private void init() throws IOException, InterruptedException {
        Files.writeString(dir.resolve("pwfile"), PASSWORD + "\n", StandardCharsets.UTF_8);
        if (asPostgresUser) {
            check(run(List.of("chown", "-R", "postgres", dir.toString()), false, null), "chown of " + dir);
        }
        check(pg(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", USER, "-E", "UTF8",
                "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + dir.resolve("pwfile"))),
                "initdb");
    }

    /** Starts the server (again, after {@link #stop}) on the same port and data. */
    public void start() throws IOException, InterruptedException {
        String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                + " -c max_connections=100";
        check(pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", dir.resolve("log").toString(),
                "-w", "-t", "60", "-o", options, "start")), "pg_ctl start");
    }

    /** Stops the server ("fast": open connections are closed); the data stays for {@link #start}. */
    public void stop() throws IOException, InterruptedException {
        check(pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "fast", "-w", "stop")),
                "pg_ctl stop");
    }

    /** Returns the JDBC URL of database {@code name}, without credentials. */
    public String url(String name) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    /** Returns the settings for database {@code name} with the test user and password. */
    public LedgerDatabase database(String name) {
        return new LedgerDatabase(url(name), USER, PASSWORD, 5);
    }

    /** Returns the port the server listens on. */
    public int port() {
        return port;
    }

    /** Creates an empty database {@code name}. */
    public void createDatabase(String name) {
        execute("postgres", "CREATE DATABASE " + name);
    }

    /** Runs {@code sql} in database {@code name} as the test user (a superuser). */
    public void execute(String name, String sql) {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        try (Connection c = DriverManager.getConnection(url(name), p); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test database: " + sql + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server when it runs and deletes its directory. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(data().resolve("postmaster.pid"))) {
            pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"));
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    private int pg(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        return run(full, true, dir);
    }

    private static int run(List<String> command, boolean log, Path workDir) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            b.directory(workDir.toFile());
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 120 s");
        }
        if (p.exitValue() != 0 && log) {
            System.err.println(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
        }
        return p.exitValue();
    }

    private static void check(int exit, String what) throws IOException {
        if (exit != 0) {
            throw new IOException(what + " failed with exit code " + exit + " (its output is above)");
        }
    }

    private static boolean hasTools(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"));
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString().replaceAll("\\..*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
