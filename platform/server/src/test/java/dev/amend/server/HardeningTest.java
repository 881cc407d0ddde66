package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The host refuses what it must not take (wrong JSON types, non-finite numbers, paths outside its editors directory,
 * more queued edits than it keeps) with a code and a message that name no Java class and no server path, and says
 * when a generation stopped at the end of the model's context.
 */
@QuarkusTest
class HardeningTest {
    @io.quarkus.test.common.http.TestHTTPResource
    java.net.URL url;

    /** A Java class name in a message: a package path, a nested-class dollar or an exception type. */
    static final Pattern CLASS_NAME = Pattern.compile("java\\.|javax\\.|dev\\.amend\\.|com\\.fasterxml|\\$[A-Z]"
            + "|[A-Za-z]+(Exception|Error)\\b|`");

    @AfterEach
    void cleanUp() {
        RestApiTest.rollbackAll();
    }

    static Response generate(Object body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/models/demo/generate");
    }

    static void assertNoClassName(String message) {
        assertFalse(CLASS_NAME.matcher(message).find(), "no Java class name in: " + message);
    }

    @Test
    void wrongJsonTypesAreRefusedNotCoerced() {
        for (String body : List.of("{\"prompt\": 5}", "{\"prompt\": \"Hi\", \"maxNewTokens\": 1.5}",
                "{\"prompt\": \"Hi\", \"maxNewTokens\": \"3\"}", "{\"prompt\": true}", "{\"prompt\": [\"Hi\"]}",
                "{\"prompt\": \"Hi\", \"temperature\": \"hot\"}", "{\"prompt\": \"Hi\", \"seed\": 1.5}",
                "{\"prompt\": \"Hi\", \"maxNewTokens\": 99999999999}")) {
            String message = generate(body).then().statusCode(400).body("error", equalTo("invalid_request"))
                    .extract().path("message");
            assertNoClassName(message);
        }
        generate("{\"prompt\": \"Hi\", \"maxNewTokens\": 1.5}").then().body("message",
                containsString("maxNewTokens"));
        String edit = "{\"method\": \"rome\", \"requests\": [{\"prompt\": \"The capital of {} is\", \"subject\": 5,"
                + " \"target\": \"Rome\"}]}";
        String message = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(edit)
                .post("/api/v1/models/demo/edits").then().statusCode(400).extract().path("message");
        assertTrue(message.contains("requests[0].subject"), message);
        assertNoClassName(message);
    }

    @Test
    void aGenerationThatStopsAtTheContextEndSaysSo() {
        generate(Map.of("prompt", "The capital of France is", "maxNewTokens", 3)).then().statusCode(200)
                .body("stopReason", equalTo("max_new_tokens")).body("note", equalTo(null));
        Response r = generate(Map.of("prompt", "one two three four five six seven eight nine ten ".repeat(10),
                "maxNewTokens", 200));
        r.then().statusCode(200);
        int prompt = r.path("promptIds.size()");
        int generated = r.path("generatedIds.size()");
        if (prompt + generated == 256) {
            r.then().body("stopReason", equalTo("context_end"))
                    .body("note", containsString("256 tokens"));
        } else {
            assertEquals("end_of_text", r.path("stopReason"), r.asString());
        }
    }

    @Test
    void nonFiniteHyperparametersAreRefused() {
        String before = RestApiTest.weightsHash();
        for (Object bad : List.of("NaN", "Infinity", "-Infinity")) {
            Map<String, Object> body = new HashMap<>(RestApiTest.edit("The capital of {} is", "France", "Rome"));
            body.put("hparams", Map.of("early_stop_loss", bad, "v_num_grad_steps", 2));
            given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(body)
                    .post("/api/v1/models/demo/edits").then().statusCode(400)
                    .body("message", containsString("\"early_stop_loss\" must be a finite number"));
        }
        assertEquals(before, RestApiTest.weightsHash());
    }

    @Test
    void mendEditorPathsOutsideTheEditorsDirectoryGetOneMessageWhetherOrNotTheyExist() {
        String[] messages = new String[3];
        String[] paths = {"/etc", "/no/such/directory/anywhere", "../../../../etc/passwd"};
        for (int i = 0; i < paths.length; i++) {
            Map<String, Object> body = new HashMap<>(RestApiTest.edit("The capital of {} is", "France", "Rome"));
            body.put("method", "mend");
            body.put("hparams", Map.of("editor_path", paths[i]));
            messages[i] = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(body)
                    .post("/api/v1/models/demo/edits").then().statusCode(400).extract().path("message");
        }
        assertEquals(messages[0], messages[1], "an existing and a missing path get the same answer");
        assertEquals(messages[0], messages[2]);
        assertTrue(messages[0].contains("amend.edit.editors-dir"), messages[0]);
        assertFalse(messages[0].contains("/etc") || messages[0].contains("target/"), messages[0]);
    }

    @Test
    void unauthenticatedReadsShowNoServerPaths() {
        String description = given().get("/api/v1/models/demo").then().statusCode(200)
                .body("ledger", containsString("durable (")).extract().asString();
        assertFalse(description.contains("/"), "no path in " + description);
        String plugins = given().get("/api/v1/plugins").then().statusCode(200).extract().path("directory");
        assertFalse(plugins.contains("/"), plugins);
        given().header("Authorization", RestApiTest.TOKEN).get("/api/v1/models/demo").then().statusCode(200)
                .body("ledger", containsString("/")).body("source", containsString("/"));
        given().header("Authorization", RestApiTest.TOKEN).get("/api/v1/plugins").then().statusCode(200)
                .body("directory", containsString("amend-plugins"));
    }

    @Test
    void theOpenApiDocumentDeclaresTheBearerScheme() {
        given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.bearer.type", equalTo("http"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("paths.'/api/v1/models/{model}/edits'.post.security[0].bearer", notNullValue())
                .body("paths.'/api/v1/models/{model}/generate'.post.security", equalTo(null));
    }

    @Test
    void rawRequestPathsDoNotBecomeMetricsTags() throws java.io.IOException {
        given().get("/no-such-page-zq7x").then().statusCode(404);
        given().get("/api/v1/models/demo/edits/e-zq7x").then().statusCode(404);
        given().get("/api/v1/jobs/j-zq7x").then().statusCode(404);
        given().get("/api/v1/models/zq7x").then().statusCode(404);
        given().get("/js/zq7x.js").then().statusCode(404);
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/models/zq7x/patches HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + (64L << 20) + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertTrue(new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII)
                    .endsWith("413"));
        }
        callUnknownGrpcMethod("amend.v1.Amend/Zq7x");
        callUnknownGrpcMethod("zq7x.Service/Zq7x");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertFalse(metrics.toLowerCase(java.util.Locale.ROOT).contains("zq7x"), metrics.lines()
                .filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("zq7x")).toList().toString());
    }

    void callUnknownGrpcMethod(String fullName) {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress(url.getHost(), url.getPort())
                .usePlaintext().build();
        try {
            io.grpc.MethodDescriptor.Marshaller<byte[]> bytes = new io.grpc.MethodDescriptor.Marshaller<>() {
                @Override
                public java.io.InputStream stream(byte[] value) {
                    return new java.io.ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(java.io.InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            io.grpc.MethodDescriptor<byte[], byte[]> method = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(io.grpc.MethodDescriptor.MethodType.UNARY).setFullMethodName(fullName)
                    .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
            try {
                io.grpc.stub.ClientCalls.blockingUnaryCall(channel, method, io.grpc.CallOptions.DEFAULT, new byte[0]);
            } catch (io.grpc.StatusRuntimeException e) {
                // UNIMPLEMENTED: only the metrics matter here
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void editsQueuedBeyondTheLimitAreRefusedWith429AndRetryAfter() {
        List<String> jobs = new java.util.ArrayList<>();
        try {
            Response refused = null;
            for (int i = 0; i < 6 && refused == null; i++) {
                Map<String, Object> body = new HashMap<>(JobsTest.job("Italy", "Oslo"));
                body.put("hparams", Map.of("v_num_grad_steps", 200));
                Response r = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                        .body(body).post("/api/v1/jobs");
                if (r.statusCode() == 202) {
                    jobs.add(r.path("id"));
                } else {
                    refused = r;
                }
            }
            assertTrue(refused != null, "the queue is bounded (amend.edit.max-queued=3 in tests)");
            assertEquals(3, jobs.size());
            refused.then().statusCode(429).header("Retry-After", notNullValue()).body("error", equalTo("busy"))
                    .body("message", containsString("amend.edit.max-queued"));
            assertTrue(Integer.parseInt(refused.header("Retry-After")) >= 1);
        } finally {
            for (String id : jobs) {
                given().header("Authorization", RestApiTest.TOKEN).post("/api/v1/jobs/" + id + "/cancel");
            }
            for (String id : jobs) {
                given().accept("text/event-stream").get("/api/v1/jobs/" + id + "/events").then().statusCode(200);
            }
        }
    }

    @Test
    void aRetriedEditWithTheSameIdempotencyKeyReturnsTheFirstResult() throws Exception {
        Map<String, Object> body = new HashMap<>(RestApiTest.edit("The capital of {} is", "Spain", "Oslo"));
        body.put("evaluators", List.of());
        java.util.concurrent.Callable<Response> post = () -> given().header("Authorization", RestApiTest.TOKEN)
                .header("Idempotency-Key", "key-spain-oslo").contentType(ContentType.JSON).body(body)
                .post("/api/v1/models/demo/edits");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(post);
            var concurrent = pool.submit(post);
            String id = first.get().then().statusCode(201).extract().path("id");
            assertEquals(id, concurrent.get().then().statusCode(201).extract().path("id"),
                    "a duplicate sent while the first runs waits for it and returns its result");
        } finally {
            pool.shutdown();
        }
        Response again = post.call();
        again.then().statusCode(201).header("Idempotent-Replayed", "true").body("replayed", equalTo(true))
                .body("after[0]", containsString("Oslo"));
        String id = again.path("id");
        List<String> ids = given().get("/api/v1/models/demo/edits").then().extract().path("id");
        assertEquals(List.of(id), ids, "applied once");
        given().get("/api/v1/models/demo/edits/" + id).then().body("info.idempotency_key", equalTo("key-spain-oslo"));

        body.put("seed", 7);
        given().header("Authorization", RestApiTest.TOKEN).header("Idempotency-Key", "key-spain-oslo")
                .contentType(ContentType.JSON).body(body).post("/api/v1/models/demo/edits").then().statusCode(422)
                .body("error", equalTo("idempotency_key_reused"));
        given().header("Authorization", RestApiTest.TOKEN).header("Idempotency-Key", "x".repeat(300))
                .contentType(ContentType.JSON).body(body).post("/api/v1/models/demo/edits").then().statusCode(400)
                .body("message", containsString("Idempotency-Key"));
        String job = given().header("Authorization", RestApiTest.TOKEN).header("Idempotency-Key", "key-spain-oslo")
                .contentType(ContentType.JSON).body(withModel(RestApiTest.edit("The capital of {} is", "Spain", "Oslo")))
                .post("/api/v1/jobs").then().statusCode(202).body("state", equalTo("succeeded")).extract()
                .path("result.id");
        assertEquals(id, job, "a job with the key of a recorded edit is that edit");
        assertEquals(1, given().get("/api/v1/models/demo/edits").then().extract().<List<String>>path("id").size());
    }

    static Map<String, Object> withModel(Map<String, Object> edit) {
        Map<String, Object> b = new HashMap<>(edit);
        b.put("model", "demo");
        b.put("evaluators", List.of());
        return b;
    }

    @Test
    void aRunningEditStopsWithinAStepOfItsOptimisationWhenCancelled() {
        Map<String, Object> body = new HashMap<>(JobsTest.job("Italy", "Oslo"));
        body.put("hparams", Map.of("v_num_grad_steps", 1000, "early_stop_loss", 0));
        String id = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(body)
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!"running".equals(given().get("/api/v1/jobs/" + id).then().extract().path("state"))) {
            assertTrue(System.nanoTime() < deadline, "the job started");
        }
        long t0 = System.nanoTime();
        given().header("Authorization", RestApiTest.TOKEN).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        given().accept("text/event-stream").get("/api/v1/jobs/" + id + "/events").then().statusCode(200);
        double seconds = (System.nanoTime() - t0) / 1e9;
        given().get("/api/v1/jobs/" + id).then().body("state", equalTo("cancelled"));
        assertTrue(seconds < 15, "cancelled within a step or two, not after 1000 steps: " + seconds + " s");
    }
}
