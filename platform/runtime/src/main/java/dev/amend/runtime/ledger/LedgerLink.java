package dev.amend.runtime.ledger;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to a shared ledger's database that reconnects when it dropped, except while it holds the writer
 * lock: a session lock goes with its connection, so then the change under way fails instead. Not thread-safe: its
 * owner guards it.
 */
final class LedgerLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LedgerLink.class.getName());

    private final LedgerDatabase db;
    private final int socketSeconds;
    private Connection conn;
    private boolean locked;

    /**
     * Connects at once (reads wait at most {@code socketSeconds} for the database, 0: no limit); throws
     * {@link LedgerUnavailableException} when the database does not answer.
     */
    LedgerLink(LedgerDatabase db, int socketSeconds) {
        this.db = db;
        this.socketSeconds = socketSeconds;
        this.conn = db.connect(socketSeconds);
    }

    /**
     * Returns the connection, reconnecting when it dropped.
     *
     * @throws LedgerUnavailableException when the database does not answer, or the connection dropped while it held
     *                                    the writer lock
     */
    Connection connection() throws SQLException {
        if (conn != null && conn.isValid(5)) {
            return conn;
        }
        if (locked) {
            throw new LedgerUnavailableException("the ledger database " + db.location() + ": the connection dropped"
                    + " while this process held the writer lock, so the lock is gone; the change under way was not"
                    + " recorded: try again");
        }
        close();
        conn = db.connect(socketSeconds);
        LOG.log(Level.INFO, "ledger database {0}: reconnected", db.location());
        return conn;
    }

    /** Returns true while this connection holds the writer lock. */
    boolean locked() {
        return locked;
    }

    /** Notes whether this connection holds the writer lock. */
    void setLocked(boolean locked) {
        this.locked = locked;
    }

    /** Closes the connection (a later {@link #connection} reconnects). */
    @Override
    public void close() {
        try {
            if (conn != null) {
                conn.close();
            }
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "closing a ledger database connection: {0}", e.getMessage());
        } finally {
            conn = null;
        }
    }
}
