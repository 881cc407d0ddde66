package dev.amend.runtime.ledger;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Word that a shared ledger changed: a connection of its own that LISTENs on {@value #CHANNEL}, where every append
 * NOTIFYs {@code <ledger>:<last sequence>}. When the connection drops it reconnects on the next wait and reports a
 * change, so the reader catches up from the journal whatever it missed meanwhile.
 */
final class LedgerNotifications implements AutoCloseable {
    /** The channel appends notify on. */
    static final String CHANNEL = "amend_ledger";

    private static final System.Logger LOG = System.getLogger(LedgerNotifications.class.getName());

    private final LedgerDatabase db;
    private final String ledger;
    private Connection conn;
    private boolean outageLogged;
    private boolean closed;

    /** Creates the listener of {@code ledger}'s changes; it connects and listens at once. */
    LedgerNotifications(LedgerDatabase db, String ledger) {
        this.db = db;
        this.ledger = ledger;
        this.conn = listen();
    }

    /**
     * Returns true when {@code ledger} may have changed: a notification for it arrived, or the connection was
     * re-established after a drop (notifications were missed); false when {@code timeout} ran out without either.
     */
    synchronized boolean await(Duration timeout) throws InterruptedException {
        if (closed) {
            Thread.sleep(timeout.toMillis());
            return false;
        }
        if (conn == null) {
            try {
                conn = listen();
            } catch (LedgerUnavailableException e) {
                if (!outageLogged) {
                    LOG.log(Level.WARNING, "ledger database {0}: no connection for change notifications ({1});"
                            + " retrying", db.location(), e.getMessage());
                    outageLogged = true;
                }
                Thread.sleep(timeout.toMillis());
                return false;
            }
            LOG.log(Level.INFO, "ledger database {0}: listening for changes again; catching up from the journal",
                    db.location());
            outageLogged = false;
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                PGNotification[] got = conn.unwrap(PGConnection.class).getNotifications((int) Math.max(1, left));
                if (got != null) {
                    for (PGNotification n : got) {
                        if (n.getParameter().startsWith(ledger + ":")) {
                            return true;
                        }
                    }
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "ledger database {0}: the notification connection dropped ({1}); reconnecting",
                    db.location(), e.getMessage());
            closeQuietly();
            conn = null;
            return false;
        }
    }

    private Connection listen() {
        Connection c = db.connect();
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already failing
            }
            throw new LedgerUnavailableException("the ledger database " + db.location() + " refused LISTEN: "
                    + e.getMessage(), e);
        }
    }

    private void closeQuietly() {
        try {
            if (conn != null) {
                conn.close();
            }
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "closing the notification connection: {0}", e.getMessage());
        }
    }

    /** Closes the connection; later waits only sleep. */
    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }
}
