package dev.amend.it;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that retries an edit with the same Idempotency-Key after the packaged host was killed (kill -9) and
 * restarted gets the first result, and the edit is applied once. The host protects reads, and with that its metrics
 * and OpenAPI document; health stays open for probes.
 */
class IdempotentRetryTest {
    @TempDir
    Path work;

    static RequestSpecification at(HostProcess host) {
        return RestAssured.given().baseUri("http://localhost").port(host.port());
    }

    static RequestSpecification withToken(HostProcess host) {
        return at(host).header("Authorization", "Bearer " + HostProcess.TOKEN);
    }

    static Response edit(HostProcess host) {
        return withToken(host).header("Idempotency-Key", "2f1c-retry-after-crash").contentType(ContentType.JSON)
                .body(Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 5), "evaluators", List.of(),
                        "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", "Norway",
                                "target", " Cairo"))))
                .post("/api/v1/models/demo/edits");
    }

    @Test
    void aRetryAfterACrashReturnsTheFirstResult() {
        Path data = work.resolve("data");
        String id;
        List<String> after;
        String hash;
        HostProcess host = HostProcess.withToken(data, "-Damend.auth.protect-reads=true");
        try {
            for (String path : List.of("/q/metrics", "/q/openapi", "/api/v1/models")) {
                at(host).get(path).then().statusCode(401).body("error", equalTo("unauthorized"));
                withToken(host).get(path).then().statusCode(200);
            }
            at(host).get("/q/health/ready").then().statusCode(200);
            Response first = edit(host);
            first.then().statusCode(201);
            org.junit.jupiter.api.Assertions.assertNull(first.header("Idempotent-Replayed"));
            id = first.path("id");
            after = first.path("after");
            hash = withToken(host).get("/api/v1/models/demo").then().extract().path("weightsHash");
        } finally {
            host.kill();
        }
        try (HostProcess again = HostProcess.withToken(data, "-Damend.auth.protect-reads=true")) {
            Response retry = edit(again);
            retry.then().statusCode(201).header("Idempotent-Replayed", "true").body("replayed", equalTo(true));
            assertEquals(id, retry.path("id"));
            assertEquals(after, retry.path("after"));
            assertEquals(List.of(id), withToken(again).get("/api/v1/models/demo/edits").then().extract().path("id"),
                    "applied once");
            assertEquals(hash, withToken(again).get("/api/v1/models/demo").then().extract().path("weightsHash"));
        }
    }
}
