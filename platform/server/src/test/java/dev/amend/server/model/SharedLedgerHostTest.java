package dev.amend.server.model;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginJars;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A host whose ledger lives in a real PostgreSQL, beside a second replica of the demo model (a ledger object in this
 * JVM on the same database): edits and rollbacks go both ways within 1 s with equal weights hashes, and while the
 * database is down changes answer 503 and generation goes on.
 */
@QuarkusTest
@WithTestResource(SharedLedgerDatabase.class)
@EnabledIf(value = "dev.amend.server.model.SharedLedgerDatabase#available",
        disabledReason = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: install postgresql")
class SharedLedgerHostTest {
    static final String TOKEN = "Bearer test-token";

    private static Transformer replicaModel;
    private static EditLedger replica;

    @BeforeAll
    static void openReplica() {
        replicaModel = DemoModel.load(Device.cpu());
        replica = EditLedger.open(SharedLedgerDatabase.database(), replicaModel);
    }

    @AfterAll
    static void closeReplica() {
        replica.close();
        replicaModel.close();
    }

    static String hostHash() {
        return given().get("/api/v1/models/demo").then().statusCode(200).extract().path("weightsHash");
    }

    /** Returns true once {@code condition} holds, checking for at most {@code limit}. */
    static boolean within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Test
    void editsAndRollbacksGoBothWaysWithinASecond() throws Exception {
        given().get("/api/v1/models/demo").then().statusCode(200).body("ledger", containsString("shared ("));
        // an edit through the host reaches the other replica
        Map<String, Object> body = Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 20), "evaluators",
                List.of(), "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", "Italy",
                        "target", "Madrid")));
        String hostEdit = given().header("Authorization", TOKEN).contentType(ContentType.JSON).body(body)
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
        assertTrue(replica.awaitChange(Duration.ofSeconds(1)), "the replica is told of the host's edit");
        assertEquals(List.of(hostEdit), replica.catchUp().added());
        assertEquals(hostHash(), replicaModel.weightsHash(), "equal weights on both replicas");

        // an edit through the other replica reaches the host within 1 s
        String replicaEdit = replica.record(HostedModelTest.edit(replicaModel.architecture().editPoint(1), 0),
                Map.of()).id();
        long t0 = System.nanoTime();
        String expected = replicaModel.weightsHash();
        assertTrue(within(Duration.ofSeconds(1), () -> expected.equals(hostHash())),
                "the host applied the replica's edit within 1 s");
        System.out.printf("shared ledger: replica edit visible on the host after %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        given().get("/api/v1/models/demo/edits").then().statusCode(200).body("id", equalTo(List.of(hostEdit,
                replicaEdit)));

        // a rollback through the host reaches the replica
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + hostEdit).then().statusCode(200);
        assertTrue(replica.awaitChange(Duration.ofSeconds(1)));
        assertEquals(List.of(hostEdit), replica.catchUp().rolledBack());
        assertEquals(hostHash(), replicaModel.weightsHash());
        replica.rollback(List.of(replicaEdit));
        String base = replicaModel.weightsHash();
        assertTrue(within(Duration.ofSeconds(1), () -> base.equals(hostHash())), "the replica's rollback reached the host");
    }

    @Test
    void withTheDatabaseDownChangesAnswer503AndGenerationGoesOn() throws Exception {
        Map<String, Object> body = Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 5), "evaluators",
                List.of(), "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", "Spain",
                        "target", "Oslo")));
        String before = hostHash();
        replica.catchUp();
        long seen = replica.lastSequence();
        SharedLedgerDatabase.cluster().stop();
        try {
            given().header("Authorization", TOKEN).contentType(ContentType.JSON).body(body)
                    .post("/api/v1/models/demo/edits").then().statusCode(503)
                    .body("error", equalTo("ledger_unavailable"))
                    .body("message", containsString("does not answer"));
            given().contentType(ContentType.JSON).body(Map.of("prompt", "The capital of France is", "maxNewTokens", 3))
                    .post("/api/v1/models/demo/generate").then().statusCode(200);
            assertEquals(before, hostHash(), "the model is unchanged");
        } finally {
            SharedLedgerDatabase.cluster().start();
        }
        String id = given().header("Authorization", TOKEN).contentType(ContentType.JSON).body(body)
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + id).then().statusCode(200);
        assertTrue(within(Duration.ofSeconds(10), () -> {
            try {
                replica.awaitChange(Duration.ofMillis(200));
                replica.catchUp();
                return replica.lastSequence() == seen + 2 && replicaModel.weightsHash().equals(hostHash());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } catch (RuntimeException e) {
                return false;
            }
        }), "the replica caught up after the outage");
    }

    @Test
    void aPluginJarUploadedThroughAnotherReplicaIsLoadedHereAndADeleteReachesIt() throws Exception {
        Path jar = PluginJars.builder().editor("sharedjar", "shared-editor", "1")
                .writeTo(Files.createTempDirectory("amend-shared-jar").resolve("shared-editor.jar"));
        byte[] bytes = Files.readAllBytes(jar);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        // what another replica's upload leaves in the database
        try (Connection c = SharedLedgerDatabase.database().connect();
             PreparedStatement s = c.prepareStatement("INSERT INTO amend_plugins (file, bytes, sha256) VALUES (?, ?, ?)")) {
            s.setString(1, "shared-editor.jar");
            s.setBytes(2, bytes);
            s.setString(3, sha);
            s.executeUpdate();
            c.createStatement().execute("SELECT pg_notify('amend_plugins', 'shared-editor.jar')");
        }
        assertTrue(within(Duration.ofSeconds(90), () -> given().get("/api/v1/methods").asString()
                .contains("shared-editor")), "the jar was checked and hot-loaded here");
        given().get("/api/v1/plugins").then().statusCode(200)
                .body("plugins.find { it.file == 'shared-editor.jar' }.sha256", equalTo(sha));
        given().header("Authorization", TOKEN).delete("/api/v1/plugins/shared-editor.jar").then().statusCode(200);
        try (Connection c = SharedLedgerDatabase.database().connect();
             ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM amend_plugins")) {
            r.next();
            assertEquals(0, r.getInt(1), "the delete reached the other replicas' source");
        }
    }
}
