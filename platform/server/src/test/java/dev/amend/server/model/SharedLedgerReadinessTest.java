package dev.amend.server.model;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerDatabase;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.PostgresCluster;
import dev.amend.runtime.model.Transformer;
import dev.amend.server.HostReadiness;
import dev.amend.server.ShutdownDrain;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica starting on a shared ledger that already holds edits is not ready ({@link HostReadiness}, behind
 * {@code /q/health/ready}) until it has replayed them: the test holds the deltas table locked in a real PostgreSQL,
 * so the replica's start-up waits inside its replay, and reads the readiness check there (DOWN), then lets the replay
 * go on and reads it again (UP, with the history's edits applied). A Quarkus test only to share the application's
 * class loader (see {@link HostedModelTest}); the replica is a {@link HostedModels} of its own.
 */
@QuarkusTest
@EnabledIf(value = "dev.amend.server.model.SharedLedgerDatabase#available",
        disabledReason = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: install postgresql")
class SharedLedgerReadinessTest {
    @Inject
    ShutdownDrain drain;

    @TempDir
    Path data;

    @Test
    void aReplicaIsNotReadyUntilItHasReplayedTheSharedHistory() throws Exception {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("models"))
                .body("checks.find { it.name == 'models' }.status", equalTo("UP"));
        try (PostgresCluster cluster = PostgresCluster.startOrSkip()) {
            LedgerDatabase db = cluster.database("amend");
            List<String> history = new ArrayList<>();
            String historyHash;
            try (Transformer other = DemoModel.load(Device.cpu()); EditLedger written = EditLedger.open(db, other)) {
                for (int i = 0; i < 3; i++) {
                    history.add(written.record(HostedModelTest.edit(other.architecture().editPoint(i), 0), Map.of())
                            .id());
                }
                historyHash = other.weightsHash();
            }
            HostedModels replica = replicaOn(cluster);
            HostReadiness readiness = new HostReadiness(replica, drain);
            assertEquals(Status.DOWN, readiness.call().getStatus(), "not ready before start-up");
            try (Connection hold = db.connect(); Statement s = hold.createStatement()) {
                hold.setAutoCommit(false);
                s.execute("LOCK TABLE amend_deltas IN ACCESS EXCLUSIVE MODE");
                CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> replica.start(new StartupEvent()));
                awaitReplayWaitingForDeltas(s, starting);
                assertEquals(Status.DOWN, readiness.call().getStatus(), "not ready while replaying the shared history");
                hold.commit();
                starting.get(2, TimeUnit.MINUTES);
            }
            try {
                assertEquals(Status.UP, readiness.call().getStatus(), "ready once the history is replayed");
                HostedModel demo = replica.get("demo");
                assertEquals(history, demo.ledger().entries().stream().map(LedgerEntry::id).toList());
                assertEquals(historyHash, demo.weightsHash(), "the replayed edits are applied to the served weights");
            } finally {
                replica.stop(new ShutdownEvent());
            }
        }
    }

    /** Returns a replica of the demo model (one copy of the weights) on the cluster's database, not yet started. */
    private HostedModels replicaOn(PostgresCluster cluster) {
        LedgerSettings settings = new LedgerSettings();
        settings.url = Optional.of(cluster.url("amend"));
        settings.user = Optional.of(PostgresCluster.USER);
        settings.password = Optional.of(PostgresCluster.PASSWORD);
        settings.passwordFile = Optional.empty();
        settings.writerWait = Duration.ofSeconds(10);
        HostedModels replica = new HostedModels();
        replica.demoEnabled = true;
        replica.extraModels = Optional.empty();
        replica.device = "cpu";
        replica.isolate = false;
        replica.dataDir = data;
        replica.ledgerSettings = settings;
        return replica;
    }

    /** Returns once another connection waits for the locked amend_deltas; fails if start-up ends first. */
    private static void awaitReplayWaitingForDeltas(Statement s, CompletableFuture<Void> starting)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && !starting.isDone()) {
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    + " WHERE c.relname = 'amend_deltas' AND NOT l.granted")) {
                r.next();
                if (r.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        fail("the replica's start-up never waited for the shared history's deltas (start-up "
                + (starting.isDone() ? "ended: " + starting.handle((v, e) -> String.valueOf(e)).join() : "timed out")
                + ")");
    }
}
