package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host killed with SIGKILL during a stream of edits restarts on the same data directory with exactly the
 * acknowledged edits (plus at most the one in flight, whose client never heard back), and its weights match the
 * weights of the acknowledged state before the crash bit for bit. A journal damaged afterwards stops the host from
 * starting, with the ledger's message in its log.
 */
class CrashRecoveryTest {
    private static final String[][] FACTS = {
        {"Germany", " Rome"}, {"France", " Tokyo"}, {"Italy", " Oslo"}, {"Spain", " Paris"}, {"Japan", " Berlin"},
        {"Norway", " Madrid"}, {"Egypt", " Lima"}, {"Peru", " Cairo"},
    };

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
                .body(Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 2), "evaluators", List.of(),
                        "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", subject,
                                "target", target))))
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
    }

    static List<String> ids(HostProcess host) {
        return at(host).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
    }

    @Test
    void aHostKilledDuringAStreamOfEditsRestartsWithTheAcknowledgedEdits() throws Exception {
        Path data = work.resolve("data");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        Map<String, String> hashAfter = new ConcurrentHashMap<>();
        String baseHash;
        try (HostProcess host = HostProcess.withToken(data)) {
            Map<String, Object> d = describe(host);
            assertTrue(String.valueOf(d.get("ledger")).startsWith("durable"), "the host's ledger is durable: " + d);
            baseHash = (String) d.get("weightsHash");
            // one client streams edits: an edit is acknowledged when its 201 arrives; then it reads the weights' hash
            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
                for (String[] f : FACTS) {
                    String id = edit(host, f[0], f[1]);
                    acknowledged.add(id);
                    hashAfter.put(id, (String) describe(host).get("weightsHash"));
                }
            });
            while (acknowledged.size() < 2 && !stream.isDone()) {
                Thread.sleep(20);
            }
            long delay = 50 + random.nextInt(1000);
            Thread.sleep(delay);
            host.kill();
            stream.exceptionally(e -> null).join();
            System.out.printf("CrashRecoveryTest: seed %d, killed %d ms after the 2nd acknowledgement, %d edit(s)"
                    + " acknowledged%n", seed, delay, acknowledged.size());
            assertTrue(acknowledged.size() < FACTS.length, "the host was killed during the stream (seed " + seed + ")");
        }
        try (HostProcess restarted = HostProcess.withToken(data)) {
            List<String> after = ids(restarted);
            assertEquals(acknowledged, after.subList(0, Math.min(after.size(), acknowledged.size())),
                    "the acknowledged edits come back in order (seed " + seed + ")");
            assertTrue(after.size() <= acknowledged.size() + 1,
                    "at most the edit in flight at the kill was recorded besides the acknowledged ones: " + after);
            String last = acknowledged.get(acknowledged.size() - 1);
            System.out.printf("CrashRecoveryTest: %d edit(s) after the restart (%d acknowledged)%n", after.size(),
                    acknowledged.size());
            if (after.size() == acknowledged.size() && hashAfter.containsKey(last)) {
                assertEquals(hashAfter.get(last), describe(restarted).get("weightsHash"),
                        "the weights after the restart are the acknowledged weights before the crash, bit for bit");
            } else {
                // the edit in flight was recorded (or the last hash was not read before the kill): roll back every
                // edit after the last state whose hash is known; the ledger then holds exactly that state
                int known = acknowledged.size() - 1;
                while (known >= 0 && !hashAfter.containsKey(acknowledged.get(known))) {
                    known--;
                }
                String expected = known < 0 ? baseHash : hashAfter.get(acknowledged.get(known));
                List<String> extra = after.subList(known + 1, after.size());
                String hash = at(restarted).header("Authorization", "Bearer " + HostProcess.TOKEN)
                        .queryParam("ids", String.join(",", extra)).delete("/api/v1/models/demo/edits")
                        .then().statusCode(200).extract().path("weightsHash");
                assertEquals(expected, hash, "after rolling back " + extra + " the weights are those the host had"
                        + " acknowledged before the crash, bit for bit (seed " + seed + ")");
            }
        }
        // damage a complete, acknowledged journal line: the host refuses to start and says why and where
        Path journal;
        try (var dirs = Files.list(data)) {
            journal = dirs.filter(p -> p.getFileName().toString().startsWith("demo-")).findFirst().orElseThrow()
                    .resolve("journal.jsonl");
        }
        List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8);
        lines.set(1, lines.get(1).replace("The capital of {} is", "The capital of {} was"));
        Files.write(journal, lines, StandardCharsets.UTF_8);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> HostProcess.withToken(data)
                .close());
        assertTrue(refused.getMessage().contains("exited"), refused.getMessage());
        String log = Files.readString(data.resolveSibling(data.getFileName() + "-host.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("model demo: its edit ledger cannot be opened") && log.contains("journal.jsonl"),
                "the host's log says which ledger file is damaged:\n" + refused.getMessage());
    }
}
