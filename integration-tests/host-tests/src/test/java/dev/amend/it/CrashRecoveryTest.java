package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host killed with SIGKILL during a stream of edits restarts on the same data directory with exactly
 * the acknowledged edits, and its weights match the weights before the crash bit for bit. Runs once
 * the host's ledger is durable; with the temporary in-memory ledger it is skipped.
 */
class CrashRecoveryTest {
    @TempDir
    Path work;

    static RequestSpecification at(HostProcess host) {
        return RestAssured.given().baseUri("http://localhost").port(host.port());
    }

    static Map<String, Object> describe(HostProcess host) {
        return at(host).get("/api/v1/models/demo").then().statusCode(200).extract().path("$");
    }

    static String edit(HostProcess host, String subject, String target) {
        return at(host).header("Authorization", "Bearer " + HostProcess.TOKEN).contentType(ContentType.JSON)
                .body(Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 10), "evaluators", List.of(),
                        "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", subject,
                                "target", target))))
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
    }

    static List<String> ids(HostProcess host) {
        return at(host).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
    }

    @Test
    void aHostKilledDuringEditsRestartsWithTheAcknowledgedEdits() {
        Path data = work.resolve("data");
        List<String> acknowledged = new ArrayList<>();
        String hashBeforeCrash;
        try (HostProcess host = HostProcess.withToken(data)) {
            String ledger = (String) describe(host).get("ledger");
            Assumptions.assumeFalse(ledger.startsWith("in-memory"),
                    "skipped: this host's ledger is \"" + ledger + "\", so edits cannot survive a crash");
            acknowledged.add(edit(host, "Germany", "Rome"));
            acknowledged.add(edit(host, "France", "Tokyo"));
            hashBeforeCrash = (String) describe(host).get("weightsHash");
            // an edit in flight when the host dies: its client sees the connection drop, never an acknowledgement
            CompletableFuture.runAsync(() -> edit(host, "Italy", "Oslo")).exceptionally(e -> null);
            sleep(300);
            host.kill();
        }
        try (HostProcess restarted = HostProcess.withToken(data)) {
            List<String> after = ids(restarted);
            assertEquals(acknowledged, after.subList(0, Math.min(after.size(), acknowledged.size())),
                    "the acknowledged edits come back in order");
            if (after.size() == acknowledged.size()) {
                assertEquals(hashBeforeCrash, describe(restarted).get("weightsHash"),
                        "the weights after the restart are the weights before the crash, bit for bit");
            } else {
                assertEquals(acknowledged.size() + 1, after.size(),
                        "at most the edit in flight at the kill was recorded besides the acknowledged ones");
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
