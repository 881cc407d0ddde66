package dev.amend.runtime.ledger;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Edit jobs in a shared ledger's database ({@code amend_jobs}), so that a job accepted by one replica can be read
 * through any other and is never lost with its replica. A job's row turns {@code succeeded} inside the transaction
 * that appends its edit ({@link #succeedInAppend}); every other end is written by the replica running it. Each
 * replica holds, for as long as it runs, a session advisory lock on a key of its own instance id; a replica that can
 * take another's lock knows that one stopped (its connections closed with it) and marks its queued and running jobs
 * failed ({@link #reapStopped}), with no clocks involved.
 */
public final class PostgresJobStore implements AutoCloseable {
    /** The key a recorded edit's info names its job by. */
    public static final String EDIT_INFO_KEY = "job_id";
    /** The error kind of a job whose replica stopped before finishing it. */
    public static final String REPLICA_STOPPED = "replica_stopped";
    /** The first key of the replicas' instance locks ("AMNR"). */
    static final int REPLICA_LOCK_CLASS = 0x414D4E52;

    private static final System.Logger LOG = System.getLogger(PostgresJobStore.class.getName());
    private static final String OPEN = "state IN ('queued', 'running')";
    private static final String COLUMNS = "id, model, method, replica, state, idempotency_key, fingerprint, edit_id,"
            + " error, error_kind, created, started, finished";

    /**
     * A job's row.
     *
     * @param id          job id
     * @param model       model name
     * @param method      method name
     * @param replica     instance id of the replica that accepted it
     * @param state       {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
     * @param key         the request's idempotency key, or null
     * @param fingerprint the request's fingerprint recorded with its key, or null
     * @param editId      the recorded edit's id when succeeded, else null
     * @param error       the reason when failed or cancelled, else null
     * @param errorKind   the kind of failure, else null
     * @param created     when it was accepted
     * @param started     when it started running, else null
     * @param finished    when it ended, else null
     */
    public record JobRow(String id, String model, String method, String replica, String state, String key,
                         String fingerprint, String editId, String error, String errorKind, Instant created,
                         Instant started, Instant finished) {
        /** Returns true for the states a job does not leave. */
        public boolean terminal() {
            return !state.equals("queued") && !state.equals("running");
        }
    }

    private final LedgerDatabase db;
    private final String replica;
    /** The connection holding this replica's instance lock; guarded by this store's monitor. */
    private final LedgerLink link;
    private Connection lockedOn;

    private PostgresJobStore(LedgerDatabase db, String replica, LedgerLink link) {
        this.db = db;
        this.replica = replica;
        this.link = link;
    }

    /**
     * Returns the job store of a replica called {@code name} (its host name) in {@code db}: the schema migrated, an
     * instance id {@code <name>-<8 hex digits>} of its own locked, and the jobs of replicas that stopped marked failed.
     *
     * @throws LedgerUnavailableException when the database does not answer
     */
    public static PostgresJobStore open(LedgerDatabase db, String name) {
        LedgerSchema.migrate(db);
        LedgerLink link = new LedgerLink(db, PostgresLedgerStore.READ_TIMEOUT_SECONDS);
        try {
            for (int attempt = 0; attempt < 8; attempt++) {
                PostgresJobStore store = new PostgresJobStore(db, name + "-"
                        + UUID.randomUUID().toString().substring(0, 8), link);
                if (store.holdsInstanceLock()) {
                    int failed = store.reapStopped();
                    LOG.log(Level.INFO, "ledger database {0}: edit jobs of replica {1}; {2} job(s) of stopped"
                            + " replicas marked failed", db.location(), store.replica, failed);
                    return store;
                }
            }
            throw new LedgerException("ledger database " + db.location() + ": no free instance id for this replica");
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Returns this replica's instance id. */
    public String replica() {
        return replica;
    }

    /**
     * Returns empty after recording a new queued job of this replica, or the live job (queued, running or
     * succeeded) already recorded with the same idempotency key for {@code model}, which was then not recorded.
     */
    public synchronized Optional<JobRow> insert(String id, String model, String method, String key,
                                                String fingerprint) {
        return sql("record edit job " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO amend_jobs (id, model, method, replica, state,"
                    + " idempotency_key, fingerprint) VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (model,"
                    + " idempotency_key) WHERE idempotency_key IS NOT NULL AND state IN ('queued', 'running',"
                    + " 'succeeded') DO NOTHING")) {
                s.setString(1, id);
                s.setString(2, model);
                s.setString(3, method);
                s.setString(4, replica);
                s.setString(5, key);
                s.setString(6, fingerprint);
                if (s.executeUpdate() == 1) {
                    return Optional.empty();
                }
            }
            List<JobRow> live = select(c, "model = ? AND idempotency_key = ? AND state <> 'failed' AND state <>"
                    + " 'cancelled'", model, key);
            if (live.isEmpty()) {
                throw new LedgerUnavailableException("edit job " + id + ": the job with the same idempotency key"
                        + " ended just now; nothing was started: send the request again");
            }
            return Optional.of(live.get(0));
        });
    }

    /** Notes that job {@code id} started running. */
    public synchronized void started(String id) {
        update("note the start of edit job " + id, "UPDATE amend_jobs SET state = 'running', started = now()"
                + " WHERE id = ? AND state = 'queued'", id);
    }

    /**
     * Notes how job {@code id} ended, unless it ended already: {@code state} {@code succeeded} with its edit's id
     * (for a job that followed an edit recorded before), else {@code failed} or {@code cancelled} with the reason.
     */
    public synchronized void ended(String id, String state, String editId, String errorKind, String error) {
        update("note the end of edit job " + id, "UPDATE amend_jobs SET state = ?, edit_id = ?, error_kind = ?,"
                + " error = ?, finished = now() WHERE id = ? AND " + OPEN, state, editId, errorKind, error, id);
    }

    /** Asks the replica running job {@code id} to cancel it (it looks about once a second); nothing once it ended. */
    public synchronized void requestCancel(String id) {
        update("ask to cancel edit job " + id, "UPDATE amend_jobs SET cancel_requested = true WHERE id = ? AND "
                + OPEN, id);
    }

    /** Returns true when a cancel of job {@code id} was asked through any replica. */
    public synchronized boolean cancelRequested(String id) {
        return sql("read edit job " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT cancel_requested FROM amend_jobs WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() && r.getBoolean(1);
                }
            }
        });
    }

    /** Forgets job {@code id} (refused before it started: nothing was accepted). */
    public synchronized void delete(String id) {
        update("forget edit job " + id, "DELETE FROM amend_jobs WHERE id = ?", id);
    }

    /** Returns job {@code id}, marked failed first when it was open on a replica that stopped; empty when unknown. */
    public synchronized Optional<JobRow> find(String id) {
        return sql("read edit job " + id, c -> {
            List<JobRow> rows = select(c, "id = ?", id);
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            JobRow row = rows.get(0);
            if (!row.terminal() && !row.replica().equals(replica) && reap(c, row.replica()) > 0) {
                row = select(c, "id = ?", id).get(0);
            }
            return Optional.of(row);
        });
    }

    /** Returns how many queued or running jobs of replicas that stopped it marked failed. */
    public synchronized int reapStopped() {
        return sql("look for edit jobs of stopped replicas", c -> {
            List<String> owners = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT replica FROM amend_jobs WHERE " + OPEN
                    + " AND replica <> ?")) {
                s.setString(1, replica);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        owners.add(r.getString(1));
                    }
                }
            }
            int failed = 0;
            for (String owner : owners) {
                failed += reap(c, owner);
            }
            return failed;
        });
    }

    /**
     * Marks the jobs named by the edit records being appended on {@code c} (in its open transaction) succeeded with
     * their edits' ids; throws {@link LedgerUnavailableException}, so that the append rolls back, when such a job is
     * not open any more (its replica was taken for stopped, or it was cancelled).
     */
    static void succeedInAppend(Connection c, List<JsonObject> records, String location) throws SQLException {
        for (JsonObject r : records) {
            JsonElement info = r.get("info");
            JsonElement job = info != null && info.isJsonObject() ? info.getAsJsonObject().get(EDIT_INFO_KEY) : null;
            if (!"edit".equals(r.get("type").getAsString()) || job == null || !job.isJsonPrimitive()) {
                continue;
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE amend_jobs SET state = 'succeeded', edit_id = ?,"
                    + " finished = now() WHERE id = ? AND " + OPEN)) {
                s.setString(1, r.get("id").getAsString());
                s.setString(2, job.getAsString());
                if (s.executeUpdate() == 0) {
                    throw new LedgerUnavailableException("edit ledger " + location + ": edit job " + job.getAsString()
                            + " is no longer open (another replica took this one for stopped, or it was"
                            + " cancelled); its edit was not recorded: submit it again");
                }
            }
        }
    }

    /** Closes the connection, which releases this replica's instance lock. */
    @Override
    public synchronized void close() {
        link.close();
        lockedOn = null;
    }

    // ---- locks and rows -----------------------------------------------------------------------------------------

    /** Returns the connection, holding this replica's instance lock (taken again after a reconnect). */
    private Connection connection() throws SQLException {
        Connection c = link.connection();
        if (c != lockedOn && !holdsInstanceLock()) {
            LOG.log(Level.WARNING, "ledger database {0}: replica {1} could not take its instance lock again after a"
                    + " reconnect; other replicas may take it for stopped", db.location(), replica);
        }
        return c;
    }

    private boolean holdsInstanceLock() {
        try {
            Connection c = link.connection();
            try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                s.setInt(1, REPLICA_LOCK_CLASS);
                s.setInt(2, PostgresLedgerStore.lockKey(replica));
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (r.getBoolean(1)) {
                        lockedOn = c;
                        return true;
                    }
                    return false;
                }
            }
        } catch (SQLException e) {
            throw unavailable("take the replica's instance lock", e);
        }
    }

    /** Returns how many open jobs of {@code owner} it marked failed: none unless {@code owner}'s lock was free. */
    private int reap(Connection c, String owner) throws SQLException {
        int key = PostgresLedgerStore.lockKey(owner);
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            s.setInt(1, REPLICA_LOCK_CLASS);
            s.setInt(2, key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (!r.getBoolean(1)) {
                    return 0;
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE amend_jobs SET state = 'failed', error_kind = ?,"
                + " error = ?, finished = now() WHERE replica = ? AND " + OPEN)) {
            s.setString(1, REPLICA_STOPPED);
            s.setString(2, "replica " + owner + " stopped before finishing this job; its edit was not applied:"
                    + " submit it again");
            s.setString(3, owner);
            int n = s.executeUpdate();
            if (n > 0) {
                LOG.log(Level.WARNING, "replica {0} stopped: {1} of its edit job(s) marked failed", owner, n);
            }
            return n;
        } finally {
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                s.setInt(1, REPLICA_LOCK_CLASS);
                s.setInt(2, key);
                s.execute();
            }
        }
    }

    private static List<JobRow> select(Connection c, String where, String... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM amend_jobs WHERE " + where)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            List<JobRow> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new JobRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getString(9),
                            r.getString(10), instant(r.getTimestamp(11)), instant(r.getTimestamp(12)),
                            instant(r.getTimestamp(13))));
                }
            }
            return out;
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private void update(String what, String sql, String... args) {
        sql(what, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    s.setString(i + 1, args[i]);
                }
                return s.executeUpdate();
            }
        });
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T sql(String what, Work<T> work) {
        try {
            return work.run(connection());
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    private LedgerUnavailableException unavailable(String what, SQLException e) {
        return new LedgerUnavailableException("the ledger database " + db.location() + ": could not " + what
                + ": the database does not answer (" + LedgerDatabase.redact(e.getMessage()) + ")", e);
    }
}
