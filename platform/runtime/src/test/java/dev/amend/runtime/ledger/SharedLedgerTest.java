package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger on a real PostgreSQL shared by several ledger objects (as replicas of one model share it): edits,
 * rollbacks and patches propagate bit for bit and behave as with the file ledger; one writer at a time; replay on
 * open. The database's failures and bad input are in {@link SharedLedgerFailureTest}.
 */
class SharedLedgerTest {
    private static PostgresCluster cluster;
    private static int databases;

    @TempDir
    Path data;

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

    /** Returns a new empty database. */
    static LedgerDatabase freshDatabase(PostgresCluster cluster, String prefix) {
        String name = prefix + "_" + (++databases);
        cluster.createDatabase(name);
        return cluster.database(name);
    }

    @Test
    void editsRollbacksAndPatchesPropagateAndMatchTheFileLedger() throws Exception {
        LedgerDatabase db = freshDatabase(cluster, "propagate");
        Map<String, int[]> shared;
        try (Transformer a = LedgerFixtures.gpt2(SEED); Transformer b = LedgerFixtures.gpt2(SEED);
             Transformer f = LedgerFixtures.gpt2(SEED);
             EditLedger la = EditLedger.open(db, a); EditLedger lb = EditLedger.open(db, b);
             EditLedger file = EditLedger.open(data, f)) {
            assertTrue(la.shared());
            assertTrue(la.recovery().created());
            assertFalse(lb.recovery().created());
            List<Edit> edits = LedgerFixtures.mixedEdits(a);
            String first = la.record(edits.get(0), Map.of("n", 0)).id();
            la.record(edits.get(1), Map.of("n", 1));
            String fileFirst = file.record(edits.get(0), Map.of("n", 0)).id();
            file.record(edits.get(1), Map.of("n", 1));

            long t0 = System.nanoTime();
            assertTrue(lb.awaitChange(Duration.ofSeconds(5)), "B is told of A's edits");
            EditLedger.CatchUp caught = lb.catchUp();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 1.0, "B applied A's edits in " + seconds + " s");
            assertEquals(la.entries().stream().map(LedgerEntry::id).toList(), caught.added());
            assertEquals(List.of(), differing(bits(a), bits(b)), "B's weights after catching up");
            assertEquals(Map.of("n", 1), lb.entries().get(1).info());

            // a rollback on B: A follows, and both equal the file ledger after the same rollback
            RollbackResult rolled = lb.rollback(List.of(first));
            assertEquals(List.of(first), rolled.removed());
            file.rollback(List.of(fileFirst));
            assertTrue(la.awaitChange(Duration.ofSeconds(5)));
            assertEquals(List.of(first), la.catchUp().rolledBack());
            assertEquals(List.of(), differing(bits(a), bits(b)), "weights after the rollback");
            assertEquals(List.of(), differing(bits(f), bits(a)), "shared vs file ledger after the same changes");
            assertEquals(3, la.lastSequence());
            assertEquals(la.lastSequence(), lb.lastSequence());

            // a patch exported by the file ledger, imported through A; importing it again on B skips every edit
            file.record(edits.get(2), Map.of());
            ByteArrayOutputStream patch = new ByteArrayOutputStream();
            file.exportPatch(List.of(), patch);
            PatchImport imported = la.importPatchReport(new ByteArrayInputStream(patch.toByteArray()));
            assertEquals(2, imported.added().size(), "the edit A already holds through B is not a source id here");
            PatchImport again = lb.importPatchReport(new ByteArrayInputStream(patch.toByteArray()));
            assertEquals(0, again.added().size(), "B caught up first, so it knows the imported source ids");
            assertEquals(2, again.skipped().size());
            assertEquals(List.of(), differing(bits(a), bits(b)), "weights after the import");
            shared = bits(a);
        }
        // a fresh replica replays the shared history
        try (Transformer c = LedgerFixtures.gpt2(SEED); EditLedger lc = EditLedger.open(db, c)) {
            assertEquals(3, lc.recovery().replayedEdits());
            assertEquals(List.of(), differing(shared, bits(c)), "weights replayed by a new replica");
        }
    }

    @Test
    void concurrentWritersAreSerialisedAndNoEditIsLost() throws Exception {
        LedgerDatabase db = freshDatabase(cluster, "concurrent");
        try (Transformer a = LedgerFixtures.gpt2(SEED); Transformer b = LedgerFixtures.gpt2(SEED);
             EditLedger la = EditLedger.open(db, a); EditLedger lb = EditLedger.open(db, b)) {
            List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread ta = writer(la, a, 0, acknowledged, failures);
            Thread tb = writer(lb, b, 100, acknowledged, failures);
            ta.start();
            tb.start();
            ta.join();
            tb.join();
            assertEquals(List.of(), failures);
            la.catchUp();
            lb.catchUp();
            List<String> order = la.entries().stream().map(LedgerEntry::id).toList();
            assertEquals(16, order.size());
            assertEquals(order, lb.entries().stream().map(LedgerEntry::id).toList(), "one order on both");
            assertTrue(order.containsAll(acknowledged) && acknowledged.size() == 16, "every acknowledged edit kept");
            List<Long> seqs = la.entries().stream().map(LedgerEntry::sequence).toList();
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i + 1L, seqs.get(i));
            }
            assertEquals(List.of(), differing(bits(a), bits(b)), "weights after concurrent edits");
        }
    }

    private static Thread writer(EditLedger ledger, Transformer m, int from, List<String> acknowledged,
                                 List<Throwable> failures) {
        return new Thread(() -> {
            try {
                for (int k = from; k < from + 8; k++) {
                    acknowledged.add(ledger.record(LedgerFixtures.streamEdit(m, k), Map.of("k", k)).id());
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        });
    }

    @Test
    void oneWriterAtATime() throws Exception {
        LedgerDatabase db = freshDatabase(cluster, "writer");
        try (Transformer a = LedgerFixtures.gpt2(SEED); Transformer b = LedgerFixtures.gpt2(SEED);
             EditLedger la = EditLedger.open(db, a); EditLedger lb = EditLedger.open(db, b)) {
            try (LedgerWriter.Hold hold = la.lockWriter(Duration.ofSeconds(5))) {
                LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class,
                        () -> lb.lockWriter(Duration.ofMillis(300)));
                assertTrue(e.getMessage().contains("writer lock"), e.getMessage());
                la.record(LedgerFixtures.streamEdit(a, 1), Map.of());
            }
            try (LedgerWriter.Hold hold = lb.lockWriter(Duration.ofSeconds(5))) {
                assertEquals(1, lb.catchUp().added().size());
                lb.record(LedgerFixtures.streamEdit(b, 2), Map.of());
            }
            la.catchUp();
            assertEquals(List.of(), differing(bits(a), bits(b)));
        }
    }
}
