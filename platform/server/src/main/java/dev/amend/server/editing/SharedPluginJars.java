package dev.amend.server.editing;

import dev.amend.runtime.ledger.LedgerDatabase;
import dev.amend.runtime.ledger.LedgerSchema;
import dev.amend.runtime.ledger.LedgerUnavailableException;
import dev.amend.server.model.LedgerSettings;
import dev.amend.spi.InvalidRequestException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

/**
 * Plugin jars shared by the replicas of a host through its ledger database ({@code amend_plugins}): a jar uploaded
 * through one replica's API is stored there and announced (NOTIFY {@value #CHANNEL}); every replica writes the jars
 * it lacks, or holds in another version, into its own plugins directory through {@link PluginDirectory#install}, so
 * they are checked and hot-loaded under the same rules (and leases) as an upload, and removes those deleted through
 * any replica. It also looks every {@value #POLL_MILLIS} ms, and catches up after a lost connection. Without a
 * shared database it does nothing.
 */
@ApplicationScoped
public class SharedPluginJars {
    static final String CHANNEL = "amend_plugins";
    static final long POLL_MILLIS = 2000;

    private static final Logger LOG = Logger.getLogger(SharedPluginJars.class);

    @Inject
    LedgerSettings settings;

    @Inject
    PluginDirectory directory;

    /** The version (SHA-256) of each jar this replica took from the database or published there. */
    private final Map<String, String> shared = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        Optional<LedgerDatabase> db = settings.database();
        if (db.isEmpty()) {
            return;
        }
        try (Connection c = db.get().connect()) {
            LedgerSchema.migrate(db.get());
        } catch (SQLException e) {
            throw unavailable(db.get(), "reach", e);
        }
        thread = new Thread(() -> follow(db.get()), "amend-plugin-jars");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Stores {@code jar}, just installed here as {@code file}, for the other replicas (nothing without a shared
     * database).
     *
     * @throws LedgerUnavailableException when the database does not answer
     */
    public void publish(String file, byte[] jar) {
        Optional<LedgerDatabase> db = settings.database();
        if (db.isEmpty()) {
            return;
        }
        String sha = sha256(jar);
        try (Connection c = db.get().connect(30); PreparedStatement s = c.prepareStatement("INSERT INTO amend_plugins"
                + " (file, bytes, sha256) VALUES (?, ?, ?) ON CONFLICT (file) DO UPDATE SET bytes = excluded.bytes,"
                + " sha256 = excluded.sha256, uploaded = now()")) {
            s.setString(1, file);
            s.setBytes(2, jar);
            s.setString(3, sha);
            s.executeUpdate();
            notifyOthers(c, file);
        } catch (SQLException e) {
            throw unavailable(db.get(), "store plugin " + file, e);
        }
        shared.put(file, sha);
    }

    /** Removes {@code file}, just deleted here, for the other replicas (nothing without a shared database). */
    public void withdraw(String file) {
        Optional<LedgerDatabase> db = settings.database();
        if (db.isEmpty()) {
            return;
        }
        try (Connection c = db.get().connect(30);
             PreparedStatement s = c.prepareStatement("DELETE FROM amend_plugins WHERE file = ?")) {
            s.setString(1, file);
            s.executeUpdate();
            notifyOthers(c, file);
        } catch (SQLException e) {
            throw unavailable(db.get(), "remove plugin " + file, e);
        }
        shared.remove(file);
    }

    private void follow(LedgerDatabase db) {
        Connection listen = null;
        while (!closed) {
            try {
                if (listen == null) {
                    listen = db.connect();
                    try (Statement s = listen.createStatement()) {
                        s.execute("LISTEN " + CHANNEL);
                    }
                }
                sync(listen);
                listen.unwrap(PGConnection.class).getNotifications((int) POLL_MILLIS);
            } catch (SQLException | LedgerUnavailableException e) {
                LOG.debugf("shared plugin jars: %s; retrying", e.getMessage());
                closeQuietly(listen);
                listen = null;
                sleep();
            } catch (RuntimeException e) {
                LOG.errorf(e, "shared plugin jars: synchronising failed");
                sleep();
            }
        }
        closeQuietly(listen);
    }

    /** Installs the jars the database holds in a version this replica lacks; removes those it no longer holds. */
    private void sync(Connection c) throws SQLException {
        Map<String, String> wanted = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT file, sha256 FROM amend_plugins")) {
            while (r.next()) {
                wanted.put(r.getString(1), r.getString(2));
            }
        }
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            String file = w.getKey();
            if (w.getValue().equals(shared.get(file)) || w.getValue().equals(localSha(file))) {
                shared.put(file, w.getValue());
                continue;
            }
            byte[] jar = fetch(c, file);
            try {
                directory.install(file, jar);
                LOG.infof("plugin %s installed from the shared database (uploaded through another replica)", file);
            } catch (InvalidRequestException e) {
                LOG.warnf("plugin %s from the shared database does not load here: %s", file, e.getMessage());
            }
            shared.put(file, w.getValue());
        }
        for (String file : java.util.List.copyOf(shared.keySet())) {
            // fetch asks again: an upload through this replica may have been stored since the list was read
            if (!wanted.containsKey(file) && fetch(c, file).length == 0) {
                shared.remove(file);
                if (Files.isRegularFile(directory.path(file))) {
                    directory.remove(file);
                    LOG.infof("plugin %s removed (deleted through another replica)", file);
                }
            }
        }
    }

    private static byte[] fetch(Connection c, String file) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT bytes FROM amend_plugins WHERE file = ?")) {
            s.setString(1, file);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getBytes(1) : new byte[0];
            }
        }
    }

    private String localSha(String file) {
        Path p = directory.path(file);
        try {
            return Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void notifyOthers(Connection c, String file) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, CHANNEL);
            s.setString(2, file);
            s.execute();
        }
    }

    private static LedgerUnavailableException unavailable(LedgerDatabase db, String what, SQLException e) {
        return new LedgerUnavailableException("could not " + what + " in the shared database " + db.location() + " ("
                + LedgerDatabase.redact(e.getMessage()) + "): the other replicas would not get it; try again", e);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException e) {
            LOG.debugf("closing: %s", e.getMessage());
        }
    }
}
