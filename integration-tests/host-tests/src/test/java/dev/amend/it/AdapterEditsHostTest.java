package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host serves GRACE, whose edits are adapters: they survive kill -9 and a restart, roll back one at a time from
 * the middle of the history next to a ROME edit, export to a patch and import into a fresh host with the same
 * answers; a patch whose adapter kind is not installed is refused with a clear message and changes nothing.
 */
class AdapterEditsHostTest {
    private static final String[][] GRACE = {{"Germany", " Rome"}, {"France", " Tokyo"}, {"Italy", " Oslo"}};
    private static final String[] ROME = {"Spain", " Berlin"};
    private static final String PROMPT = "The capital of %s is";

    @TempDir
    Path work;

    /** Returns a request to {@code host} without the token. */
    static RequestSpecification at(HostProcess host) {
        return RestAssured.given().baseUri("http://localhost").port(host.port());
    }

    /** Returns a request to {@code host} with the token. */
    static RequestSpecification authorised(HostProcess host) {
        return at(host).header("Authorization", "Bearer " + HostProcess.TOKEN);
    }

    private static String edit(HostProcess host, String method, Map<String, Object> hparams, String subject,
                               String target) {
        return authorised(host).contentType(ContentType.JSON)
                .body(Map.of("method", method, "hparams", hparams, "evaluators", List.of(), "requests",
                        List.of(Map.of("prompt", "The capital of {} is", "subject", subject, "target", target))))
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
    }

    private static String generate(HostProcess host, String subject) {
        return at(host).contentType(ContentType.JSON).body(Map.of("prompt", String.format(PROMPT, subject),
                "maxNewTokens", 3)).post("/api/v1/models/demo/generate").then().statusCode(200).extract().path("text");
    }

    /** Returns the greedy answers of every prompt the test edits, by subject. */
    private static Map<String, String> answers(HostProcess host) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String[] f : GRACE) {
            out.put(f[0], generate(host, f[0]));
        }
        out.put(ROME[0], generate(host, ROME[0]));
        return out;
    }

    private static List<String> ids(HostProcess host) {
        return at(host).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
    }

    @Test
    void graceEditsSurviveAKillRollBackFromTheMiddleAndTravelInAPatch() throws Exception {
        Path data = work.resolve("data");
        Map<String, String> original;
        List<String> ids = new ArrayList<>();
        Map<String, String> edited;
        try (HostProcess host = HostProcess.withToken(data)) {
            at(host).get("/api/v1/methods").then().statusCode(200).extract().path("editors.name");
            original = answers(host);
            for (String[] f : GRACE) {
                ids.add(edit(host, "grace", Map.of(), f[0], f[1]));
            }
            ids.add(edit(host, "rome", Map.of("v_num_grad_steps", 20), ROME[0], ROME[1]));
            edited = answers(host);
            for (String[] f : GRACE) {
                assertTrue(edited.get(f[0]).startsWith(f[1]), f[0] + " -> " + edited.get(f[0]));
            }
            at(host).get("/api/v1/models/demo/edits/" + ids.get(0)).then().statusCode(200)
                    .body("adapters[0].kind", org.hamcrest.Matchers.equalTo("grace-codebook"));
            host.kill();
        }
        byte[] patch;
        try (HostProcess restarted = HostProcess.withToken(data)) {
            assertEquals(ids, ids(restarted), "the acknowledged edits come back after kill -9");
            assertEquals(edited, answers(restarted), "the same answers after the restart");
            authorised(restarted).delete("/api/v1/models/demo/edits/" + ids.get(1)).then().statusCode(200);
            Map<String, String> after = answers(restarted);
            assertEquals(original.get("France"), after.get("France"), "the rolled-back GRACE edit is gone");
            assertEquals(edited.get("Germany"), after.get("Germany"));
            assertEquals(edited.get("Italy"), after.get("Italy"));
            assertEquals(edited.get("Spain"), after.get("Spain"), "ROME's edit keeps its answer");
            edited = after;
            patch = at(restarted).get("/api/v1/models/demo/patch").then().statusCode(200).extract().asByteArray();
        }
        Path fresh = work.resolve("fresh");
        try (HostProcess other = HostProcess.withToken(fresh)) {
            String refused = authorised(other).contentType("application/octet-stream")
                    .body(withAdapterKind(patch, "grace-codebook", "no-such-kind")).post("/api/v1/models/demo/patches")
                    .then().statusCode(400).extract().path("message");
            assertTrue(refused.contains("\"no-such-kind\" is not installed"), refused);
            assertEquals(List.of(), ids(other), "nothing was recorded");
            assertEquals(original, answers(other), "nothing changed");
            authorised(other).contentType("application/octet-stream").body(patch).post("/api/v1/models/demo/patches")
                    .then().statusCode(201);
            assertEquals(edited, answers(other), "the imported edits give the same answers");
        }
    }

    /** Returns {@code patch} with every adapter kind {@code from} in patch.json renamed {@code to}. */
    private static byte[] withAdapterKind(byte[] patch, String from, String to) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(patch));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("patch.json")) {
                    bytes = new String(bytes, StandardCharsets.UTF_8).replace("\"kind\":\"" + from + "\"",
                            "\"kind\":\"" + to + "\"").getBytes(StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
