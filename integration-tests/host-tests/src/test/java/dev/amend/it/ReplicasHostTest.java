package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.ledger.PostgresCluster;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged hosts on one PostgreSQL database, as replicas of the demo model behind one Service: an edit through
 * one answers the same on the others within 1 s, rollbacks propagate, concurrent edits are all kept in one order, a
 * replica killed with SIGKILL during a stream of edits converges after its restart, and with the database stopped
 * changes answer 503 while generation goes on, a plugin uploaded through one replica is usable on the others, an
 * edit job reads the same through every replica and fails (never applied) when its replica dies. A database that
 * does not answer stops a host from starting.
 */
class ReplicasHostTest {
    private static final String AUTH = "Bearer " + HostProcess.TOKEN;

    @TempDir
    static Path work;

    private static PostgresCluster cluster;
    private static final List<HostProcess> hosts = new ArrayList<>();

    @BeforeAll
    static void startDatabaseAndHosts() throws Exception {
        cluster = PostgresCluster.startOrSkip();
        for (String name : List.of("a", "b", "c")) {
            hosts.add(replica(name));
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        hosts.forEach(HostProcess::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Returns a started host on the shared database, with its own data directory (plugins, caches). */
    static HostProcess replica(String name) {
        Path data = work.resolve(name);
        int port = HostProcess.freePort();
        List<String> cmd = HostProcess.command(port, data, "-Damend.ledger.url=" + cluster.url("amend"),
                "-Damend.ledger.user=" + PostgresCluster.USER);
        return HostProcess.start(cmd, Map.of("AMEND_AUTH_TOKEN", HostProcess.TOKEN, "AMEND_LEDGER_PASSWORD",
                PostgresCluster.PASSWORD), port, work.resolve(name + "-host.log"));
    }

    static RequestSpecification at(HostProcess host) {
        return RestAssured.given().baseUri("http://localhost").port(host.port());
    }

    static String hash(HostProcess host) {
        return at(host).get("/api/v1/models/demo").then().statusCode(200).extract().path("weightsHash");
    }

    static List<String> ids(HostProcess host) {
        return at(host).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
    }

    static Response edit(HostProcess host, String subject, String target) {
        return at(host).header("Authorization", AUTH).contentType(ContentType.JSON)
                .body(Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 2), "evaluators", List.of(),
                        "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", subject,
                                "target", target))))
                .post("/api/v1/models/demo/edits");
    }

    static String generate(HostProcess host) {
        return at(host).contentType(ContentType.JSON).body(Map.of("prompt", "The capital of Italy is",
                "maxNewTokens", 4)).post("/api/v1/models/demo/generate").then().statusCode(200).extract().path("text");
    }

    /**
     * Returns the milliseconds until every host lists {@code host}'s edits in its order (a replica changes its list
     * and its weights together, under its write lock), failing after {@code limit}; then checks that every host's
     * weights hash equals {@code host}'s.
     */
    static long converge(HostProcess host, Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        List<String> order = ids(host);
        Supplier<Boolean> same = () -> hosts.stream().allMatch(h -> order.equals(ids(h)));
        while (!same.get()) {
            if (System.nanoTime() - t0 > limit.toNanos()) {
                throw new AssertionError("the replicas did not converge within " + limit + ": "
                        + hosts.stream().map(ReplicasHostTest::ids).toList() + " vs " + order);
            }
            Thread.sleep(10);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String expected = hash(host);
        for (HostProcess h : hosts) {
            assertEquals(expected, hash(h), "equal weights hashes on every replica");
        }
        return ms;
    }

    @Test
    void replicasShareOneHistory() throws Exception {
        HostProcess a = hosts.get(0);
        HostProcess b = hosts.get(1);
        HostProcess c = hosts.get(2);

        // an edit through A answers the same on B and C within 1 s
        String first = edit(a, "Italy", "Madrid").then().statusCode(201).extract().path("id");
        long ms = converge(a, Duration.ofSeconds(1));
        System.out.println("replicas: an edit through A reached B and C after " + ms + " ms");
        assertEquals(generate(a), generate(b));
        assertEquals(generate(a), generate(c));

        // a rollback through C propagates
        at(c).header("Authorization", AUTH).delete("/api/v1/models/demo/edits/" + first).then().statusCode(200);
        converge(c, Duration.ofSeconds(1));
        assertFalse(ids(a).contains(first));

        // two concurrent edits through A and B are both kept, in one order
        CompletableFuture<Response> onA = CompletableFuture.supplyAsync(() -> edit(a, "Spain", "Oslo"));
        CompletableFuture<Response> onB = CompletableFuture.supplyAsync(() -> edit(b, "Norway", "Lima"));
        String fromA = onA.get().then().statusCode(201).extract().path("id");
        String fromB = onB.get().then().statusCode(201).extract().path("id");
        converge(a, Duration.ofSeconds(2));
        assertTrue(ids(c).containsAll(List.of(fromA, fromB)), ids(c).toString());

        // kill -9 of B during a stream of edits on A; B restarts and converges
        List<String> acknowledged = new ArrayList<>();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            for (String subject : List.of("Peru", "Egypt", "Japan", "France")) {
                acknowledged.add(edit(a, subject, "Berlin").then().statusCode(201).extract().path("id"));
            }
        });
        Thread.sleep(1500);
        b.kill();
        stream.get();
        hosts.set(1, replica("b"));
        converge(a, Duration.ofSeconds(2));
        assertTrue(ids(hosts.get(1)).containsAll(acknowledged), "no acknowledged edit is lost");

        // with the database stopped, changes answer 503 and generation goes on; after it, changes resume
        String before = hash(a);
        cluster.stop();
        try {
            Response refused = edit(a, "Chile", "Rome");
            assertEquals(503, refused.statusCode(), refused.asString());
            assertEquals("ledger_unavailable", refused.path("error"));
            at(c).header("Authorization", AUTH).delete("/api/v1/models/demo/edits/" + fromA).then().statusCode(503);
            generate(a);
            generate(c);
            assertEquals(before, hash(a));
        } finally {
            cluster.start();
        }
        edit(a, "Chile", "Rome").then().statusCode(201);
        converge(a, Duration.ofSeconds(5));
    }

    /** Returns the job's answer through {@code host} once it is in {@code state}, failing after 60 s. */
    static Response jobIn(HostProcess host, String id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Response r = at(host).header("Authorization", AUTH).get("/api/v1/jobs/" + id);
        while (!state.equals(r.path("state"))) {
            assertTrue(System.nanoTime() < deadline, "job " + id + " is " + state + ": " + r.asString());
            Thread.sleep(50);
            r = at(host).header("Authorization", AUTH).get("/api/v1/jobs/" + id);
        }
        return r;
    }

    @Test
    void editJobsAreReadableEverywhereAndFailWhenTheirReplicaDies() throws Exception {
        HostProcess a = hosts.get(0);
        HostProcess c = hosts.get(2);
        // a job accepted by A, done, reads as succeeded through C with its edit
        Map<String, Object> quick = new java.util.HashMap<>(GracefulShutdownTest.edit("Greece", " Quito", 2));
        quick.put("model", "demo");
        String done = at(a).header("Authorization", AUTH).contentType(ContentType.JSON).body(quick)
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        jobIn(a, done, "succeeded");
        Response onC = jobIn(c, done, "succeeded");
        String edit = onC.path("result.id");
        assertTrue(ids(c).contains(edit), edit + " in " + ids(c));

        // a slow job accepted by B; a retry with its key through A finds it; B dies: the job fails, nothing applied
        List<String> before = ids(a);
        Map<String, Object> slow = new java.util.HashMap<>(GracefulShutdownTest.edit("Kenya", " Oslo", 1000));
        slow.put("model", "demo");
        Supplier<Response> submit = () -> at(hosts.get(1)).header("Authorization", AUTH)
                .header("Idempotency-Key", "slow-kenya").contentType(ContentType.JSON).body(slow).post("/api/v1/jobs");
        String id = submit.get().then().statusCode(202).extract().path("id");
        String retried = at(a).header("Authorization", AUTH).header("Idempotency-Key", "slow-kenya")
                .contentType(ContentType.JSON).body(slow).post("/api/v1/jobs").then().statusCode(202)
                .extract().path("id");
        assertEquals(id, retried, "an idempotent retry through another replica finds the job");
        jobIn(a, id, "running");
        hosts.get(1).kill();
        Response failed = jobIn(a, id, "failed");
        assertEquals("replica_stopped", failed.path("errorKind"), failed.asString());
        assertTrue(failed.<String>path("error").matches("replica .+ stopped before finishing this job.*"),
                failed.asString());
        assertEquals(before, ids(a));
        try (java.sql.Connection db = cluster.database("amend").connect();
             java.sql.PreparedStatement q = db.prepareStatement("SELECT count(*) FROM amend_journal WHERE record"
                     + " LIKE ?")) {
            q.setString(1, "%" + id + "%");
            try (java.sql.ResultSet r = q.executeQuery()) {
                r.next();
                assertEquals(0, r.getInt(1), "the ledger has no trace of the failed job's edit");
            }
        }
        jobIn(c, id, "failed");
        hosts.set(1, replica("b"));
        converge(a, Duration.ofSeconds(5));
        jobIn(hosts.get(1), id, "failed");
    }

    @Test
    void aDatabaseThatDoesNotAnswerStopsTheHostNamingTheUrlWithoutThePassword() {
        int closed = HostProcess.freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/amend";
        Path data = work.resolve("refused");
        int port = HostProcess.freePort();
        List<String> cmd = HostProcess.command(port, data, "-Damend.ledger.url=" + url + "?password=hunter2");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HostProcess.start(cmd,
                Map.of("AMEND_AUTH_TOKEN", HostProcess.TOKEN), port, work.resolve("refused-host.log")));
        assertTrue(e.getMessage().contains("exited"), e.getMessage());
        assertTrue(e.getMessage().contains(url), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void aPluginUploadedThroughABecomesUsableOnBAndC() throws Exception {
        byte[] jar = java.nio.file.Files.readAllBytes(PluginHotSwapTest.V1);
        at(hosts.get(0)).header("Authorization", AUTH).contentType("application/octet-stream").body(jar)
                .post("/api/v1/plugins?file=" + PluginHotSwapTest.JAR).then().statusCode(201);
        long t0 = System.nanoTime();
        for (HostProcess h : hosts) {
            while (!at(h).get("/api/v1/methods").asString().contains(PluginHotSwapTest.METHOD)) {
                if (System.nanoTime() - t0 > Duration.ofSeconds(90).toNanos()) {
                    throw new AssertionError("the plugin did not reach the replica on port " + h.port());
                }
                Thread.sleep(100);
            }
        }
        System.out.println("replicas: a plugin uploaded through A was usable on B and C after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        at(hosts.get(2)).header("Authorization", AUTH).delete("/api/v1/plugins/" + PluginHotSwapTest.JAR).then()
                .statusCode(200);
        for (HostProcess h : hosts) {
            while (at(h).get("/api/v1/methods").asString().contains(PluginHotSwapTest.METHOD)) {
                if (System.nanoTime() - t0 > Duration.ofSeconds(120).toNanos()) {
                    throw new AssertionError("the delete did not reach the replica on port " + h.port());
                }
                Thread.sleep(100);
            }
        }
    }
}
