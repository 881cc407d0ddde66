package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared ledger when things go wrong, on a real PostgreSQL: a database that does not answer, one that goes away
 * and comes back, a writer that loses its lock mid-edit, a schema from a newer Amend, a ledger of another base model.
 */
class SharedLedgerFailureTest {
    private static PostgresCluster cluster;

    @BeforeAll
    static void startDatabase() throws Exception {
        cluster = PostgresCluster.startOrSkip();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aDatabaseThatDoesNotAnswerIsNamedWithoutThePassword() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        LedgerDatabase db = new LedgerDatabase("jdbc:postgresql://127.0.0.1:" + closed + "/amend?password=hunter2",
                "amend", "s3cret-password", 2);
        try (Transformer m = LedgerFixtures.gpt2(SEED)) {
            LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class, () -> EditLedger.open(db, m));
            assertTrue(e.getMessage().contains("jdbc:postgresql://127.0.0.1:" + closed + "/amend"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
            assertFalse(e.getMessage().contains("s3cret-password"), e.getMessage());
            assertFalse(db.toString().contains("s3cret-password"));
        }
    }

    @Test
    void aSchemaFromANewerAmendIsRefusedWithTheVersions() throws Exception {
        LedgerDatabase db = SharedLedgerTest.freshDatabase(cluster, "future");
        assertEquals(LedgerSchema.newestKnown(db), LedgerSchema.migrate(db));
        cluster.execute(db.url().substring(db.url().lastIndexOf('/') + 1), "INSERT INTO "
                + LedgerSchema.HISTORY_TABLE + " (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) VALUES (99, '99', 'from a newer Amend', 'SQL',"
                + " 'V99__newer.sql', 0, 'amend', 0, true)");
        try (Transformer m = LedgerFixtures.gpt2(SEED)) {
            LedgerException e = assertThrows(LedgerException.class, () -> EditLedger.open(db, m));
            assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
            assertTrue(e.getMessage().contains("up to " + LedgerSchema.newestKnown(db)), e.getMessage());
        }
    }

    @Test
    void aLedgerOfAnotherBaseModelIsRefusedWithBothHashes() throws Exception {
        LedgerDatabase db = SharedLedgerTest.freshDatabase(cluster, "other");
        String first;
        try (Transformer a = LedgerFixtures.gpt2(SEED); EditLedger la = EditLedger.open(db, a)) {
            la.record(LedgerFixtures.streamEdit(a, 0), Map.of());
            first = a.baseHash();
        }
        try (Transformer other = LedgerFixtures.gpt2(SEED + 1)) {
            assertEquals(LedgerFixtures.gpt2(SEED).name(), other.name());
            LedgerException e = assertThrows(LedgerException.class, () -> EditLedger.open(db, other));
            assertTrue(e.getMessage().contains(first) && e.getMessage().contains(other.baseHash()), e.getMessage());
        }
    }

    @Test
    void losingTheWriterLockMidEditAbortsThatEditCleanly() throws Exception {
        LedgerDatabase db = SharedLedgerTest.freshDatabase(cluster, "lost");
        String name = db.url().substring(db.url().lastIndexOf('/') + 1);
        try (Transformer a = LedgerFixtures.gpt2(SEED); Transformer b = LedgerFixtures.gpt2(SEED);
             EditLedger la = EditLedger.open(db, a); EditLedger lb = EditLedger.open(db, b)) {
            Map<String, int[]> before = bits(a);
            try (LedgerWriter.Hold hold = la.lockWriter(Duration.ofSeconds(5))) {
                // what a network cut or a database restart does to the writer's session
                cluster.execute(name, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                        + " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
                LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class,
                        () -> la.record(LedgerFixtures.streamEdit(a, 0), Map.of()));
                assertTrue(e.getMessage().contains("writer lock"), e.getMessage());
                assertEquals(List.of(), differing(before, bits(a)), "the model is unchanged");
                assertEquals(0, la.entries().size());
                assertEquals(0, la.lastSequence());
            }
            lb.record(LedgerFixtures.streamEdit(b, 1), Map.of());
            la.record(LedgerFixtures.streamEdit(a, 2), Map.of());
            lb.catchUp();
            assertEquals(2, lb.entries().size());
            assertEquals(List.of(), differing(bits(a), bits(b)));
        }
    }

    @Test
    void aDatabaseOutageRefusesChangesAndTheyResumeAfterIt() throws Exception {
        LedgerDatabase db = SharedLedgerTest.freshDatabase(cluster, "outage");
        try (Transformer a = LedgerFixtures.gpt2(SEED); Transformer b = LedgerFixtures.gpt2(SEED);
             EditLedger la = EditLedger.open(db, a); EditLedger lb = EditLedger.open(db, b)) {
            la.record(LedgerFixtures.streamEdit(a, 0), Map.of());
            Map<String, int[]> before = bits(a);
            cluster.stop();
            try {
                LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class,
                        () -> la.record(LedgerFixtures.streamEdit(a, 1), Map.of()));
                assertTrue(e.getMessage().contains("does not answer"), e.getMessage());
                assertThrows(LedgerUnavailableException.class, () -> la.rollback(List.of(la.entries().get(0).id())));
                assertEquals(List.of(), differing(before, bits(a)), "the model is unchanged");
                assertEquals(1, la.entries().size(), "reads go on from memory");
                assertFalse(lb.awaitChange(Duration.ofMillis(300)));
            } finally {
                cluster.start();
            }
            la.record(LedgerFixtures.streamEdit(a, 2), Map.of());
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (lb.entries().size() < 2 && System.nanoTime() < deadline) {
                if (lb.awaitChange(Duration.ofSeconds(1))) {
                    lb.catchUp();
                }
            }
            assertEquals(2, lb.entries().size(), "B caught up from the journal after the outage");
            assertEquals(List.of(), differing(bits(a), bits(b)));
        }
    }
}
