package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input is answered 400 (or 404/413) with {error, message} saying what to fix, and the weights stay as they were. */
@QuarkusTest
class ValidationTest {
    @io.quarkus.test.common.http.TestHTTPResource
    java.net.URL url;

    @AfterEach
    void cleanUp() {
        RestApiTest.rollbackAll();
    }

    static Map<String, Object> body(String method, Object hparams, Object... facts) {
        Map<String, Object> b = new HashMap<>();
        b.put("method", method);
        if (hparams != null) {
            b.put("hparams", hparams);
        }
        b.put("requests", List.of(facts));
        return b;
    }

    static Map<String, Object> fact(String prompt, String subject, String target) {
        Map<String, Object> f = new HashMap<>();
        f.put("prompt", prompt);
        f.put("subject", subject);
        if (target != null) {
            f.put("target", target);
        }
        return f;
    }

    static void refused(Object body, int status, String... phrases) {
        var r = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(body)
                .post("/api/v1/models/demo/edits").then().statusCode(status);
        r.body("error", equalTo(status == 404 ? "not_found" : "invalid_request"));
        for (String p : phrases) {
            r.body("message", containsString(p));
        }
    }

    /** Returns an empty patch (a zip with patch.json first, as the ledger exports) claiming base model hash {@code baseHash}. */
    static byte[] patchFor(String baseHash) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("patch.json"));
            zip.write(("{\"format\": \"amend-patch\", \"version\": 1, \"model\": \"demo\", \"base_hash\": \""
                    + baseHash + "\", \"exported\": \"2026-01-01T00:00:00Z\", \"edits\": []}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    @Test
    void badEditsAreRefusedWithAClearMessageAndTheWeightsUnchanged() throws java.io.IOException {
        String before = RestApiTest.weightsHash();
        Map<String, Object> ok = fact("The capital of {} is", "France", "Rome");
        refused(body("nosuchmethod", null, ok), 400, "unknown method \"nosuchmethod\"", "rome", "memit");
        refused(body("rome", null, fact("The capital of Spain is", "France", "Rome")), 400,
                "subject \"France\" is not in the prompt");
        refused(body("rome", null, fact("The capital of {} is", "France", "  ")), 400, "target");
        refused(body("rome", null, fact("The capital of {} is", "France", null)), 400, "target");
        refused(body("rome", null, fact("The capital of {} is", "France", " Rome".repeat(200))), 400,
                "target is", "tokens long");
        refused(body("rome", null, fact("word ".repeat(600) + "{} is", "France", "Rome")), 400,
                "reads at most 256");
        refused(body("rome", Map.of("layers", List.of(99)), ok), 400, "layer", "99");
        refused(body("rome", Map.of("v_num_grad_steps", -3), ok), 400, "v_num_grad_steps");
        refused(body("rome", Map.of("no_such_key", 1), ok), 400, "unknown key \"no_such_key\"");
        refused(body("rome", null), 400, "requests");
        refused(Map.of("requests", List.of(ok)), 400, "method");
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body("{\"method\": \"rome\", ")
                .post("/api/v1/models/demo/edits").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON).body(body("rome", null, ok))
                .post("/api/v1/models/nosuchmodel/edits").then().statusCode(404)
                .body("message", allOf(containsString("nosuchmodel"), containsString("demo")));
        given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream")
                .body(patchFor("0000"))
                .post("/api/v1/models/demo/patches").then().statusCode(400)
                .body("message", containsString("same base model"));
        given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream")
                .body("not a patch".getBytes())
                .post("/api/v1/models/demo/patches").then().statusCode(400);
        String[] oversized = oversizedPost();
        assertEquals("413", oversized[0].split(" ")[1], "a body over quarkus.http.limits.max-body-size is refused");
        assertTrue(oversized[1].contains("\"error\":\"too_large\"") && oversized[1].contains("max-body-size"),
                "with the JSON error body: " + oversized[1]);
        assertEquals(before, RestApiTest.weightsHash(), "no refused request changed the weights");
    }

    /** Announces a 64 MiB body and returns the status line and the body the host answers before reading it. */
    String[] oversizedPost() throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket(url.getHost(), url.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /api/v1/models/demo/patches HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer test-token\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + (64L << 20) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            String status = in.readLine();
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new String[] {status, new String(body, 0, read)};
        }
    }

    @Test
    void badGenerationsAreRefused() {
        given().contentType(ContentType.JSON).body(Map.of("prompt", "", "maxNewTokens", 4))
                .post("/api/v1/models/demo/generate").then().statusCode(400).body("message", containsString("prompt"));
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Hi", "maxNewTokens", 5000))
                .post("/api/v1/models/demo/generate").then().statusCode(400)
                .body("message", containsString("maxNewTokens"));
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Hi", "temperature", -1))
                .post("/api/v1/models/demo/generate").then().statusCode(400)
                .body("message", containsString("temperature"));
        given().contentType(ContentType.JSON).body(Map.of("prompt", "word ".repeat(400), "maxNewTokens", 4))
                .post("/api/v1/models/demo/generate").then().statusCode(400)
                .body("message", containsString("reads at most 256"));
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Hi", "maxNewTokens", 4))
                .post("/api/v1/models/nosuchmodel/generate").then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Hi", "max_new_tokens", 4))
                .post("/api/v1/models/demo/generate").then().statusCode(400)
                .body("error", equalTo("invalid_request")).body("message", containsString("max_new_tokens"));
        given().get("/api/v1/models/demo/edits/e-missing").then().statusCode(404)
                .body("message", containsString("e-missing"));
        given().get("/api/v1/jobs/j-missing").then().statusCode(404);
    }
}
