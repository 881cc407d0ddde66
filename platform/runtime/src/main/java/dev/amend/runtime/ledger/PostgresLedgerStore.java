package dev.amend.runtime.ledger;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A ledger in a PostgreSQL database shared by several processes (replicas of one model): the header in
 * {@code amend_ledger}, one row per journal record in {@code amend_journal} and the deltas in {@code amend_deltas},
 * all keyed by the ledger's name (the model's). An append is one transaction (deltas, records and a NOTIFY), so an
 * edit is acknowledged only once it committed. One process writes at a time: the writer holds a session advisory
 * lock on its connection and checks it still does inside each append, so a writer whose connection dropped (and with
 * it the lock) fails its append instead of racing another; the records' primary key (ledger, sequence) refuses a
 * second record with the same number in any case. An edit made by an edit job turns the job's row succeeded in the
 * same transaction ({@link PostgresJobStore#succeedInAppend}). Deltas of rolled-back edits are kept, because a replica that has
 * not read the rollback yet still reads the edit.
 */
public final class PostgresLedgerStore implements LedgerStore {
    /** The first key of the ledgers' advisory locks ("AMND"). */
    static final int LOCK_CLASS = 0x414D4E44;
    /**
     * How long a read of the journal or of deltas waits for the database: the host applies other replicas' changes
     * under its model's write lock, so a database that stops answering must not hold generation up for longer.
     */
    static final int READ_TIMEOUT_SECONDS = 30;

    private static final System.Logger LOG = System.getLogger(PostgresLedgerStore.class.getName());

    private final LedgerDatabase db;
    private final String ledger;
    private final int lockKey;
    /** Reads (open, journal, deltas); guarded by this store's monitor. */
    private final LedgerLink reads;
    /** The writer lock and appends, on a connection of their own (reads never wait for the lock); guarded by itself. */
    private final LedgerLink writes;
    private LedgerNotifications notifications;

    /**
     * Returns the store of the ledger called {@code ledger} in {@code db}, after checking that the database answers
     * and migrating its schema (nothing of the ledger is read before {@link #open}).
     *
     * @throws LedgerUnavailableException when the database does not answer (the message names the URL without the
     *                                    password)
     * @throws LedgerException            when its schema is newer than this build knows
     */
    public static PostgresLedgerStore connect(LedgerDatabase db, String ledger) {
        LedgerLink reads = new LedgerLink(db, READ_TIMEOUT_SECONDS);
        try {
            LedgerSchema.migrate(db);
        } catch (RuntimeException e) {
            reads.close();
            throw e;
        }
        return new PostgresLedgerStore(db, ledger, reads);
    }

    private PostgresLedgerStore(LedgerDatabase db, String ledger, LedgerLink reads) {
        this.db = db;
        this.ledger = ledger;
        this.lockKey = lockKey(ledger);
        this.reads = reads;
        // no read limit here: taking the writer lock may wait as long as the caller allows
        this.writes = new LedgerLink(db, 0);
    }

    /** Returns the database URL without the password and the ledger's name. */
    @Override
    public String location() {
        return db.location() + " (ledger " + ledger + ")";
    }

    /** Returns true: other processes append to the same ledger. */
    @Override
    public boolean shared() {
        return true;
    }

    /** Returns the records, after creating the ledger row with {@code header} when there was none; starts listening. */
    @Override
    public synchronized Contents open(JsonObject header) {
        notifications = new LedgerNotifications(db, ledger);
        return sql("read the ledger", () -> {
            boolean created;
            try (PreparedStatement s = reads.connection().prepareStatement("INSERT INTO amend_ledger (model, base_hash,"
                    + " header) VALUES (?, ?, ?) ON CONFLICT (model) DO NOTHING")) {
                s.setString(1, ledger);
                s.setString(2, header.get("base_hash").getAsString());
                s.setString(3, header.toString());
                created = s.executeUpdate() == 1;
            }
            List<JsonObject> records = new ArrayList<>();
            try (PreparedStatement s = reads.connection().prepareStatement("SELECT header FROM amend_ledger"
                    + " WHERE model = ?")) {
                s.setString(1, ledger);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    records.add(parse(r.getString(1), 0));
                }
            }
            records.addAll(recordsAfter(0));
            return new Contents(records, 0, created);
        });
    }

    /** Returns the deltas {@code file} of edit {@code id}, or throws {@link LedgerCorruptException} when missing. */
    @Override
    public synchronized byte[] readDeltas(String file, String id) {
        return sql("read the deltas of edit " + id, () -> {
            try (PreparedStatement s = reads.connection().prepareStatement("SELECT bytes FROM amend_deltas"
                    + " WHERE model = ? AND file = ?")) {
                s.setString(1, ledger);
                s.setString(2, file);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        throw new LedgerCorruptException(location(), "the deltas " + file + " of acknowledged edit "
                                + id + " are missing from amend_deltas");
                    }
                    return r.getBytes(1);
                }
            }
        });
    }

    /** Returns no names: an append is one transaction (nothing is left over) and rolled-back deltas are kept. */
    @Override
    public List<String> removeUnreferenced(Set<String> liveIds, Set<String> rolledBackIds) {
        return List.of();
    }

    /**
     * Appends the records and deltas in one transaction that also notifies the other processes and marks the edit
     * jobs they name succeeded; throws {@link LedgerUnavailableException} (nothing appended) when this process does
     * not hold the writer lock any more, another appended a record with the same sequence number, such a job is no
     * longer open, or the database does not answer.
     */
    @Override
    public void append(List<JsonObject> records, Map<String, byte[]> deltas) {
        synchronized (writes) {
            appendOnWriterConnection(records, deltas);
        }
    }

    private void appendOnWriterConnection(List<JsonObject> records, Map<String, byte[]> deltas) {
        if (!writes.locked()) {
            throw new IllegalStateException("append without the writer lock of " + location());
        }
        sql("record the change (nothing was recorded)", () -> {
            Connection c = writes.connection();
            c.setAutoCommit(false);
            try {
                requireLock(c);
                try (PreparedStatement s = c.prepareStatement("INSERT INTO amend_deltas (model, file, bytes)"
                        + " VALUES (?, ?, ?)")) {
                    for (Map.Entry<String, byte[]> d : deltas.entrySet()) {
                        s.setString(1, ledger);
                        s.setString(2, d.getKey());
                        s.setBytes(3, d.getValue());
                        s.executeUpdate();
                    }
                }
                long last = 0;
                try (PreparedStatement s = c.prepareStatement("INSERT INTO amend_journal (model, seq, type, record)"
                        + " VALUES (?, ?, ?, ?)")) {
                    for (JsonObject r : records) {
                        last = r.get("seq").getAsLong();
                        s.setString(1, ledger);
                        s.setLong(2, last);
                        s.setString(3, r.get("type").getAsString());
                        s.setString(4, r.toString());
                        s.executeUpdate();
                    }
                }
                PostgresJobStore.succeedInAppend(c, records, location());
                try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    s.setString(1, LedgerNotifications.CHANNEL);
                    s.setString(2, ledger + ":" + last);
                    s.execute();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException again) {
                    e.addSuppressed(again);
                }
                if (e instanceof SQLException se && "23505".equals(se.getSQLState())) {
                    throw new LedgerUnavailableException("edit ledger " + location() + ": another process appended"
                            + " a record with the same sequence number first (this one had lost the writer lock);"
                            + " nothing was recorded: try again", e);
                }
                throw e;
            } finally {
                if (!c.isClosed()) {
                    c.setAutoCommit(true);
                }
            }
            return null;
        });
    }

    /** Keeps the deltas: a process that has not read the rollback yet may still read them. */
    @Override
    public void discardDeltas(List<String> files) {
        // kept on purpose, see the class comment
    }

    /** Returns the records after {@code sequence}, in order. */
    @Override
    public synchronized List<JsonObject> recordsAfter(long sequence) {
        return sql("read the journal", () -> {
            List<JsonObject> out = new ArrayList<>();
            try (PreparedStatement s = reads.connection().prepareStatement("SELECT seq, record FROM amend_journal"
                    + " WHERE model = ? AND seq > ? ORDER BY seq")) {
                s.setString(1, ledger);
                s.setLong(2, sequence);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(parse(r.getString(2), r.getLong(1)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Returns the hold of the ledger's advisory lock, after waiting at most {@code timeout} for it while another
     * process holds it; closing the hold unlocks it.
     *
     * @throws LedgerUnavailableException when another process holds it longer, or the database does not answer
     */
    @Override
    public AutoCloseable lockWriter(Duration timeout) {
        synchronized (writes) {
            lockOnWriterConnection(timeout);
        }
        return this::unlockWriter;
    }

    private void lockOnWriterConnection(Duration timeout) {
        sql("take the writer lock", () -> {
            Connection c = writes.connection();
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = " + Math.max(1, timeout.toMillis()));
                try {
                    s.execute("SELECT pg_advisory_lock(" + LOCK_CLASS + ", " + lockKey + ")");
                } catch (SQLException e) {
                    if ("55P03".equals(e.getSQLState())) {
                        throw new LedgerUnavailableException("edit ledger " + location() + ": another replica has"
                                + " held the writer lock for more than " + timeout.toSeconds() + " s (an edit of the"
                                + " same model runs there); nothing was changed: try again later", e);
                    }
                    throw e;
                } finally {
                    s.execute("RESET lock_timeout");
                }
            }
            return null;
        });
        writes.setLocked(true);
    }

    private void unlockWriter() {
        synchronized (writes) {
            try (Statement s = writes.connection().createStatement()) {
                s.execute("SELECT pg_advisory_unlock(" + LOCK_CLASS + ", " + lockKey + ")");
            } catch (SQLException | LedgerUnavailableException e) {
                // a dropped connection took the lock with it
                LOG.log(Level.DEBUG, "ledger {0}: unlocking the writer lock: {1}", location(), e.getMessage());
            } finally {
                writes.setLocked(false);
            }
        }
    }

    /** Returns true when another process appended (a notification came, or listening resumed after a drop). */
    @Override
    public boolean awaitChange(Duration timeout) throws InterruptedException {
        LedgerNotifications n;
        synchronized (this) {
            n = notifications;
        }
        if (n == null) {
            Thread.sleep(timeout.toMillis());
            return false;
        }
        return n.await(timeout);
    }

    /** Closes the connections (which releases the writer lock). */
    @Override
    public synchronized void close() {
        if (notifications != null) {
            notifications.close();
        }
        reads.close();
        synchronized (writes) {
            writes.close();
        }
    }

    // ---- connection -------------------------------------------------------------------------------------------

    /** Throws unless this connection holds the ledger's advisory lock (a dropped connection loses it). */
    private void requireLock(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND pid = pg_backend_pid() AND granted AND classid = ?::oid AND objid = ?::oid AND objsubid = 2")) {
            s.setLong(1, LOCK_CLASS);
            s.setLong(2, lockKey);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (r.getInt(1) == 0) {
                    throw new LedgerUnavailableException("edit ledger " + location() + ": this process lost the"
                            + " writer lock (its database connection was reset); nothing was recorded: try again");
                }
            }
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /** Returns what {@code work} returns, turning a database failure into {@link LedgerUnavailableException}. */
    private <T> T sql(String what, Work<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new LedgerUnavailableException("edit ledger " + location() + ": could not " + what + ": the"
                    + " database does not answer (" + LedgerDatabase.redact(e.getMessage()) + "); edits, rollbacks"
                    + " and imports are refused until it is back, generation goes on", e);
        }
    }

    private JsonObject parse(String text, long seq) {
        try {
            return JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new LedgerCorruptException(location(), "record " + seq + " is not a JSON object: " + e.getMessage());
        }
    }

    /** Returns the second key of {@code ledger}'s advisory lock: 31 bits of its name's SHA-256. */
    static int lockKey(String ledger) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(ledger.getBytes(StandardCharsets.UTF_8));
            return ((h[0] & 0x7F) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
