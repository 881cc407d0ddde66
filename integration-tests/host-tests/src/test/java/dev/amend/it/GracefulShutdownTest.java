package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.FactRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM drains the packaged host: changes sent afterwards are refused (503 with Retry-After, gRPC UNAVAILABLE),
 * reads go on, readiness turns DOWN, the edits already running finish and are acknowledged, then the host exits.
 * With a short grace period a long edit is cancelled instead: its client hears 409, the host exits and restarts
 * without it.
 */
class GracefulShutdownTest {
    @TempDir
    Path work;

    static RequestSpecification at(HostProcess host) {
        return RestAssured.given().baseUri("http://localhost").port(host.port())
                .header("Authorization", "Bearer " + HostProcess.TOKEN);
    }

    /** Returns an edit body; ROME runs all {@code steps} (no early stop), so the edit's length is known. */
    static Map<String, Object> edit(String subject, String target, int steps) {
        return Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", steps, "early_stop_loss", 0),
                "evaluators", List.of(),
                "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", subject, "target", target)));
    }

    static String startJob(HostProcess host, String subject, String target, int steps) {
        Map<String, Object> body = new java.util.HashMap<>(edit(subject, target, steps));
        body.put("model", "demo");
        String id = at(host).contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(202)
                .extract().path("id");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!"running".equals(at(host).get("/api/v1/jobs/" + id).then().extract().path("state"))) {
            assertTrue(System.nanoTime() < deadline, "the job started");
        }
        return id;
    }

    static CompletableFuture<Response> editInBackground(HostProcess host, String subject, String target, int steps) {
        return CompletableFuture.supplyAsync(() -> at(host).contentType(ContentType.JSON)
                .body(edit(subject, target, steps)).post("/api/v1/models/demo/edits"));
    }

    @Test
    void sigtermFinishesRunningEditsAndRefusesNewChanges() throws Exception {
        Path data = work.resolve("data");
        List<String> finished;
        try (HostProcess host = HostProcess.withToken(data)) {
            String job = startJob(host, "Germany", " Rome", 40);
            CompletableFuture<Response> queued = editInBackground(host, "France", " Tokyo", 20);
            Thread.sleep(300);
            host.terminate();
            Response refused = awaitDraining(host);
            refused.then().statusCode(503).header("Retry-After", "40").body("error", org.hamcrest.Matchers.equalTo("shutting_down"));
            ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", host.port()).usePlaintext().build();
            try {
                Metadata token = new Metadata();
                token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                        "Bearer " + HostProcess.TOKEN);
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> AmendGrpc.newBlockingStub(channel)
                                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token))
                                .edit(EditRequest.newBuilder().setModel("demo").setMethod("rome")
                                        .addRequests(FactRequest.newBuilder().setPrompt("The capital of {} is")
                                                .setSubject("Peru").setTarget(" Oslo")).build()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            } finally {
                channel.shutdownNow();
            }
            at(host).get("/api/v1/models").then().statusCode(200);
            String editOfJob = awaitJob(host, job);
            Response answer = queued.get();
            assertEquals(201, answer.statusCode(), answer.asString());
            finished = List.of(editOfJob, answer.path("id"));
            assertExitedCleanly(host);
        }
        try (HostProcess again = HostProcess.withToken(data)) {
            List<String> ids = at(again).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
            assertEquals(finished, ids, "both edits that finished during the drain were recorded");
        }
    }

    @Test
    void editsStillRunningAfterTheGracePeriodAreCancelledCleanly() throws Exception {
        Path data = work.resolve("data");
        String base;
        try (HostProcess host = HostProcess.withToken(data, "-Damend.shutdown.grace-period=1s",
                "-Damend.shutdown.cancel-wait=30s")) {
            base = at(host).get("/api/v1/models/demo").then().extract().path("weightsHash");
            startJob(host, "Germany", " Rome", 1000);
            CompletableFuture<Response> waiting = editInBackground(host, "France", " Tokyo", 20);
            Thread.sleep(300);
            host.terminate();
            Response answer = waiting.get();
            assertEquals(409, answer.statusCode(), answer.asString());
            assertTrue(answer.asString().contains("shutting down"), answer.asString());
            assertExitedCleanly(host);
            assertTrue(host.log().contains("cancelling them"), host.logTail());
        }
        try (HostProcess again = HostProcess.withToken(data)) {
            assertEquals(List.of(), at(again).get("/api/v1/models/demo/edits").then().extract().path("id"));
            assertEquals(base, at(again).get("/api/v1/models/demo").then().extract().path("weightsHash"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theKubernetesManifestWaitsLongerThanTheDrain() throws Exception {
        java.util.Properties props = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(HostProcess.projectDir()
                .resolve("platform/server/src/main/resources/application.properties"))) {
            props.load(in);
        }
        long drain = seconds(props.getProperty("amend.shutdown.grace-period"))
                + seconds(props.getProperty("amend.shutdown.cancel-wait"))
                + seconds(props.getProperty("quarkus.shutdown.timeout"));
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                ContainerStartTest.deployment().get("spec")).get("template")).get("spec");
        int grace = (Integer) pod.get("terminationGracePeriodSeconds");
        assertTrue(grace > drain, "terminationGracePeriodSeconds " + grace + " exceeds the drain's " + drain + " s");
    }

    private static long seconds(String duration) {
        return Duration.parse("PT" + duration.toUpperCase(java.util.Locale.ROOT)).toSeconds();
    }

    /** Asserts that the host exited after its shutdown ran: status 0, or 143 (the JVM's status after SIGTERM). */
    static void assertExitedCleanly(HostProcess host) throws InterruptedException {
        int status = host.awaitExitCode(Duration.ofSeconds(60));
        assertTrue(status == 0 || status == 143, "exit status " + status + ":\n" + host.logTail());
        assertTrue(host.log().contains("amend-server stopped"), "the shutdown ran to its end:\n" + host.logTail());
    }

    /** Returns the answer to a new edit once the host reports not ready (it has begun to drain). */
    static Response awaitDraining(HostProcess host) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (at(host).get("/q/health/ready").statusCode() != 503) {
            assertFalse(System.nanoTime() > deadline, "readiness turns DOWN after SIGTERM");
            Thread.sleep(20);
        }
        return at(host).contentType(ContentType.JSON).body(edit("Peru", " Oslo", 2)).post("/api/v1/models/demo/edits");
    }

    /** Returns the edit id of job {@code id} once it succeeded. */
    static String awaitJob(HostProcess host, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Response r = at(host).get("/api/v1/jobs/" + id);
            if ("succeeded".equals(r.path("state"))) {
                return r.path("result.id");
            }
            assertFalse(System.nanoTime() > deadline || "failed".equals(r.path("state")), r.asString());
            Thread.sleep(100);
        }
    }
}
