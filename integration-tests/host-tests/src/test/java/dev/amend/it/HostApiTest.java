package dev.amend.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRef;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.ExportPatchRequest;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import dev.amend.server.grpc.v1.ImportPatchRequest;
import dev.amend.server.grpc.v1.Job;
import dev.amend.server.grpc.v1.JobRef;
import dev.amend.server.grpc.v1.ListMethodsRequest;
import dev.amend.server.grpc.v1.ListModelsRequest;
import dev.amend.server.grpc.v1.ModelRef;
import dev.amend.server.grpc.v1.RollbackRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged host as a separate process: every operation over REST and over gRPC, bad input, concurrency. */
class HostApiTest {
    static final Map<String, Object> ROME = Map.of("v_num_grad_steps", 20);

    /** The llama2.c stories260K checkpoint in ../shared, served beside the demo model when present. */
    static final Path STORIES = java.util.Optional.of(Path.of(System.getProperty("amend.shared.dir", "../../../shared"),
            "fixtures/stories260K/stories260K.bin")).filter(Files::isRegularFile).orElse(null);

    @TempDir
    static Path work;
    static HostProcess host;
    static ManagedChannel channel;
    static AmendGrpc.AmendBlockingStub grpc;
    static AmendGrpc.AmendBlockingStub grpcWithToken;

    @BeforeAll
    static void startHost() {
        host = STORIES != null
                ? HostProcess.withToken(work.resolve("data"), "-Damend.models=stories=" + STORIES.toAbsolutePath())
                : HostProcess.withToken(work.resolve("data"));
        RestAssured.baseURI = "http://localhost";
        RestAssured.port = host.port();
        channel = ManagedChannelBuilder.forAddress("localhost", host.port()).usePlaintext().build();
        grpc = AmendGrpc.newBlockingStub(channel);
        Metadata token = new Metadata();
        token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + HostProcess.TOKEN);
        grpcWithToken = grpc.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token));
    }

    @AfterAll
    static void stopHost() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (host != null) {
            host.close();
        }
    }

    @AfterEach
    void rollBackEverything() {
        List<String> ids = given().get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
        for (String id : ids) {
            authorised().delete("/api/v1/models/demo/edits/" + id).then().statusCode(200);
        }
    }

    static RequestSpecification authorised() {
        return given().header("Authorization", "Bearer " + HostProcess.TOKEN);
    }

    static Map<String, Object> edit(String subject, String target) {
        return new HashMap<>(Map.of("method", "rome", "hparams", ROME, "requests",
                List.of(Map.of("prompt", "The capital of {} is", "subject", subject, "target", target))));
    }

    static String weightsHash() {
        return given().get("/api/v1/models/demo").then().statusCode(200).extract().path("weightsHash");
    }

    static String generate(String prompt) {
        return given().contentType(ContentType.JSON).body(Map.of("prompt", prompt, "maxNewTokens", 3))
                .post("/api/v1/models/demo/generate").then().statusCode(200).extract().path("text");
    }

    @Test
    void everyRestOperation() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.keySet()", hasItem("/api/v1/models/{model}/edits"));
        given().get("/api/v1/models").then().statusCode(200).body("name", hasItem("demo"));
        String base = given().get("/api/v1/models/demo").then().statusCode(200).body("layers", equalTo(6))
                .extract().path("baseHash");
        assertEquals(base, weightsHash());
        given().get("/api/v1/methods").then().statusCode(200).body("editors.name", hasItem("alphaedit"));
        assertTrue(generate("The capital of Germany is").contains("Berlin"));

        String id = authorised().contentType(ContentType.JSON).body(edit("Germany", "Rome"))
                .post("/api/v1/models/demo/edits").then().statusCode(201)
                .body("after[0]", containsString("Rome"))
                .body("scores.metric", hasItem("efficacy"))
                .extract().path("id");
        String edited = weightsHash();
        assertNotEquals(base, edited);
        assertTrue(generate("The capital of Germany is").contains("Rome"));
        given().get("/api/v1/models/demo/edits").then().statusCode(200).body("id", equalTo(List.of(id)));
        given().get("/api/v1/models/demo/edits/" + id).then().statusCode(200).body("method", equalTo("rome"))
                .body("deltas[0].weight", equalTo("transformer.h.1.mlp.c_proj.weight"));
        byte[] patch = given().get("/api/v1/models/demo/edits/" + id + "/patch").then().statusCode(200)
                .extract().asByteArray();
        authorised().delete("/api/v1/models/demo/edits/" + id).then().statusCode(200)
                .body("weightsHash", equalTo(base));
        authorised().contentType("application/octet-stream").body(patch).post("/api/v1/models/demo/patches")
                .then().statusCode(201);
        assertEquals(edited, weightsHash());
        rollBackEverything();

        Map<String, Object> job = edit("France", "Tokyo");
        job.put("model", "demo");
        String jobId = authorised().contentType(ContentType.JSON).body(job).post("/api/v1/jobs")
                .then().statusCode(202).extract().path("id");
        String events = given().accept("text/event-stream").get("/api/v1/jobs/" + jobId + "/events")
                .then().statusCode(200).extract().asString();
        assertTrue(events.contains("\"state\":\"succeeded\""), events);
        given().get("/api/v1/jobs/" + jobId).then().statusCode(200).body("state", equalTo("succeeded"))
                .body("result.after[0]", containsString("Tokyo"));
        authorised().post("/api/v1/jobs/" + jobId + "/cancel").then().statusCode(200)
                .body("state", equalTo("succeeded"));
    }

    @Test
    void everyGrpcOperation() {
        assertEquals("demo", grpc.listModels(ListModelsRequest.getDefaultInstance()).getModels(0).getName());
        String base = grpc.describeModel(ModelRef.newBuilder().setModel("demo").build()).getBaseHash();
        assertTrue(grpc.listMethods(ListMethodsRequest.getDefaultInstance()).getEvaluatorsList().stream()
                .anyMatch(e -> e.getName().equals("counterfact")));
        assertTrue(grpc.generate(GenerateRequest.newBuilder().setModel("demo").setPrompt("The capital of Germany is")
                .setMaxNewTokens(3).build()).getText().contains("Berlin"));
        EditRequest edit = EditRequest.newBuilder().setModel("demo").setMethod("rome")
                .setHparamsJson("{\"v_num_grad_steps\": 20}")
                .addRequests(FactRequest.newBuilder().setPrompt("The capital of {} is").setSubject("Germany")
                        .setTarget("Rome")).build();
        EditResponse done = grpcWithToken.edit(edit);
        assertTrue(done.getAfter(0).contains("Rome"), done.getAfter(0));
        assertEquals(done.getId(), grpc.getEdit(EditRef.newBuilder().setModel("demo").setId(done.getId()).build())
                .getId());
        assertEquals(1, grpc.listEdits(ModelRef.newBuilder().setModel("demo").build()).getEditsCount());
        ByteString patch = grpc.exportPatch(ExportPatchRequest.newBuilder().setModel("demo").build()).getContent();
        assertEquals(base, grpcWithToken.rollbackEdits(RollbackRequest.newBuilder().setModel("demo")
                .addIds(done.getId()).build()).getWeightsHash());
        grpcWithToken.importPatch(ImportPatchRequest.newBuilder().setModel("demo").setContent(patch).build());
        assertNotEquals(base, grpc.describeModel(ModelRef.newBuilder().setModel("demo").build()).getWeightsHash());
        rollBackEverything();

        Job job = grpcWithToken.submitEditJob(edit.toBuilder().setNoEvaluation(true).build());
        List<Job> states = new ArrayList<>();
        grpc.watchJob(JobRef.newBuilder().setId(job.getId()).build()).forEachRemaining(states::add);
        assertEquals("succeeded", states.get(states.size() - 1).getState());
        assertEquals("succeeded", grpc.getJob(JobRef.newBuilder().setId(job.getId()).build()).getState());
        assertEquals("succeeded", grpcWithToken.cancelJob(JobRef.newBuilder().setId(job.getId()).build()).getState());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.edit(edit));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> grpcWithToken.edit(edit.toBuilder()
                .setRequests(0, FactRequest.newBuilder().setPrompt("The capital of Spain is").setSubject("Peru")
                        .setTarget("Rome")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("not in the prompt"), e.getStatus().getDescription());
    }

    @Test
    void badInputIsRefusedAndTheWeightsStayTheSame() {
        String before = weightsHash();
        Map<String, Object> ok = Map.of("prompt", "The capital of {} is", "subject", "France", "target", "Rome");
        List<Object[]> cases = List.of(
                new Object[] {Map.of("method", "nosuch", "requests", List.of(ok)), 400, "installed methods are"},
                new Object[] {Map.of("method", "rome", "requests", List.of(Map.of("prompt", "The capital of Spain is",
                        "subject", "France", "target", "Rome"))), 400, "is not in the prompt"},
                new Object[] {Map.of("method", "rome", "requests", List.of(Map.of("prompt", "The capital of {} is",
                        "subject", "France", "target", ""))), 400, "target"},
                new Object[] {Map.of("method", "rome", "requests", List.of(Map.of("prompt", "The capital of {} is",
                        "subject", "France", "target", " Rome".repeat(300)))), 400, "tokens long"},
                new Object[] {Map.of("method", "rome", "requests", List.of(Map.of("prompt",
                        "word ".repeat(500) + "{} is", "subject", "France", "target", "Rome"))), 400, "reads at most"},
                new Object[] {Map.of("method", "rome", "hparams", Map.of("layers", List.of(12)), "requests",
                        List.of(ok)), 400, "layer 12 does not exist"},
                new Object[] {Map.of("method", "rome", "hparams", Map.of("v_lr", "fast"), "requests", List.of(ok)),
                        400, "v_lr"});
        for (Object[] c : cases) {
            authorised().contentType(ContentType.JSON).body(c[0]).post("/api/v1/models/demo/edits")
                    .then().statusCode((Integer) c[1]).body("error", equalTo("invalid_request"))
                    .body("message", containsString((String) c[2]));
        }
        authorised().contentType(ContentType.JSON).body(Map.of("method", "rome", "requests", List.of(ok)))
                .post("/api/v1/models/nosuch/edits").then().statusCode(404).body("message", containsString("demo"));
        given().contentType(ContentType.JSON).body(Map.of("method", "rome", "requests", List.of(ok)))
                .post("/api/v1/models/demo/edits").then().statusCode(401);
        assertEquals(before, weightsHash(), "no refused request changed the weights");
    }

    @Test
    void aTypeScriptClientEditsOverGrpc() throws Exception {
        Path client = HostProcess.projectDir().resolve("integration-tests/ts-client");
        Assumptions.assumeTrue(runs(client, "node", "--version"), "skipped: node is not installed");
        if (!Files.isDirectory(client.resolve("node_modules/@grpc/grpc-js"))) {
            // the client's packages come from npm, as Maven's come from Maven Central; offline, the test skips
            Assumptions.assumeTrue(runs(client, "npm", "--version"), "skipped: npm is not installed");
            Run install = run(client, List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"));
            Assumptions.assumeTrue(install.exitCode == 0,
                    "skipped: the TypeScript client's packages could not be installed from npm (offline?): "
                            + install.output.strip());
        }
        Run build = run(client, List.of("node", "node_modules/typescript/bin/tsc", "-p", "."));
        assertEquals(0, build.exitCode, build.output);
        Run edit = run(client, List.of("node", "dist/edit.js", "localhost:" + host.port(), HostProcess.TOKEN,
                "Germany", "Rome"));
        assertEquals(0, edit.exitCode, edit.output);
        Map<String, Object> result = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                edit.output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(), Map.class);
        assertTrue(String.valueOf(result.get("after")).contains("Rome"), edit.output);
        assertTrue(String.valueOf(result.get("generated")).contains("Rome"), edit.output);
        assertEquals(List.of(result.get("id")), result.get("rolledBack"));
        assertEquals(given().get("/api/v1/models/demo").then().extract().path("baseHash"), weightsHash());
    }

    record Run(int exitCode, String output) {
    }

    static boolean runs(Path dir, String... command) {
        try {
            return run(dir, List.of(command)).exitCode == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static Run run(Path dir, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void aSecondModelIsServedBesideTheDemoWithItsOwnLedger() {
        Assumptions.assumeTrue(STORIES != null, "skipped: ../shared/fixtures/stories260K is absent");
        given().get("/api/v1/models").then().statusCode(200).body("name", equalTo(List.of("demo", "stories")));
        String storiesHash = given().get("/api/v1/models/stories").then().statusCode(200)
                .body("family", equalTo("llama")).body("layers", equalTo(5)).extract().path("weightsHash");
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Once upon a time", "maxNewTokens", 8))
                .post("/api/v1/models/stories/generate").then().statusCode(200)
                .body("generatedIds.size()", equalTo(8));
        authorised().contentType(ContentType.JSON).body(edit("Germany", "Rome")).post("/api/v1/models/demo/edits")
                .then().statusCode(201);
        given().get("/api/v1/models/stories/edits").then().statusCode(200).body("size()", equalTo(0));
        assertEquals(storiesHash, given().get("/api/v1/models/stories").then().extract().path("weightsHash"),
                "an edit of the demo model leaves the other model alone");
        authorised().contentType(ContentType.JSON).body(edit("Lily", "Tom")).post("/api/v1/models/stories/edits")
                .then().statusCode(400).body("message", containsString("corpus"));
    }

    @Test
    void fiftyGenerationsDuringAnEditSeeTheWeightsBeforeOrAfterNeverBetween() throws Exception {
        String prompt = "The capital of Germany is";
        String before = generate(prompt);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            Future<String> editing = pool.submit(() -> authorised().contentType(ContentType.JSON)
                    .body(edit("Germany", "Rome")).post("/api/v1/models/demo/edits").then().statusCode(201)
                    .extract().<String>path("id"));
            List<Future<String>> generations = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                generations.add(pool.submit(() -> generate(prompt)));
            }
            Set<String> seen = new HashSet<>();
            for (Future<String> g : generations) {
                seen.add(g.get());
            }
            editing.get();
            String after = generate(prompt);
            assertNotEquals(before, after);
            assertTrue(Set.of(before, after).containsAll(seen), "generations saw " + seen + ", expected only "
                    + before + " or " + after);
        } finally {
            pool.shutdownNow();
        }
    }
}
