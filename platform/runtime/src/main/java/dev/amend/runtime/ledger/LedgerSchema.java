package dev.amend.runtime.ledger;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Comparator;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The shared ledger's database schema, versioned by Flyway migrations ({@code db/amend/V<n>__*.sql} on the class
 * path, history in the table {@value #HISTORY_TABLE}). Opening a shared ledger migrates the database to this
 * build's newest version; a database already at a newer version (written by a newer Amend) is refused, naming both.
 */
public final class LedgerSchema {
    /** Where the migrations are on the class path. */
    public static final String LOCATION = "classpath:db/amend";
    /** The table Flyway keeps the applied migrations in. */
    public static final String HISTORY_TABLE = "amend_schema_history";

    private static final System.Logger LOG = System.getLogger(LedgerSchema.class.getName());

    private LedgerSchema() {
    }

    /**
     * Returns the schema version the database is at after migrating it to this build's newest one (several hosts
     * may do this at once: Flyway serialises them).
     *
     * @throws LedgerException            when the database holds a schema from a newer Amend, or a migration failed
     * @throws LedgerUnavailableException when the database does not answer
     */
    public static String migrate(LedgerDatabase db) {
        Flyway flyway = flyway(db);
        try {
            MigrationInfo[] all = flyway.info().all();
            String known = newestKnown(all);
            MigrationInfo future = Arrays.stream(all)
                    .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS
                            || m.getState() == MigrationState.FUTURE_FAILED)
                    .max(Comparator.comparing(MigrationInfo::getVersion)).orElse(null);
            if (future != null) {
                throw new LedgerException("the ledger database " + db.location() + " has schema version "
                        + future.getVersion() + ", written by a newer Amend; this Amend knows schema versions up to "
                        + known + ": run the newer Amend on it, or point amend.ledger.url at another database");
            }
            int applied = flyway.migrate().migrationsExecuted;
            MigrationInfo current = flyway.info().current();
            String version = current == null ? "none" : current.getVersion().getVersion();
            if (applied > 0) {
                LOG.log(Level.INFO, "ledger database {0}: applied {1} schema migration(s), now at version {2}",
                        db.location(), applied, version);
            }
            return version;
        } catch (FlywayException e) {
            throw new LedgerException("the ledger database " + db.location() + ": migrating its schema failed ("
                    + LedgerDatabase.redact(e.getMessage()) + ")");
        }
    }

    /** Returns the newest schema version this build's migrations reach. */
    public static String newestKnown(LedgerDatabase db) {
        return newestKnown(flyway(db).info().all());
    }

    private static String newestKnown(MigrationInfo[] all) {
        return Arrays.stream(all).filter(m -> m.getState().isResolved() && m.getVersion() != null)
                .map(MigrationInfo::getVersion).max(Comparator.naturalOrder()).map(MigrationVersion::getVersion)
                .orElse("none");
    }

    private static Flyway flyway(LedgerDatabase db) {
        return Flyway.configure(LedgerSchema.class.getClassLoader())
                .dataSource(db.url(), db.user(), db.password())
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .cleanDisabled(true)
                // a database that already holds other tables gets the history table at version 0, then V1 on
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
    }
}
