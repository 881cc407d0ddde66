package dev.amend.it;

import static dev.amend.it.AdapterEditsHostTest.at;
import static dev.amend.it.AdapterEditsHostTest.authorised;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An adapter kind that only a hot-loaded plugin jar provides (the example plugin's {@code example-rank-one}, not on
 * the host's class path): the host lists it with the jar, applies the edits that carry its adapters, replays them
 * after kill -9, refuses a patch naming it while the jar is not installed (nothing changes), and imports that patch
 * once the jar is installed through the API.
 */
class PluginAdapterKindHostTest {
    private static final String JAR = "example-plugin.jar";
    private static final String KIND = "example-rank-one";
    private static final String PROMPT = "The capital of Germany is";

    @TempDir
    Path work;

    private static String answer(HostProcess host) {
        return at(host).contentType(ContentType.JSON).body(Map.of("prompt", PROMPT, "maxNewTokens", 3))
                .post("/api/v1/models/demo/generate").then().statusCode(200).extract().path("text");
    }

    private static List<String> ids(HostProcess host) {
        return at(host).get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
    }

    @Test
    void aPluginsAdapterKindAppliesReplaysAndImportsOnceTheJarIsInstalled() throws Exception {
        Path jar = PluginHotSwapTest.jar("amend.example.plugin.jar");
        Path data = work.resolve("data");
        Files.copy(jar, Files.createDirectories(HostProcess.pluginsDir(data)).resolve(JAR));
        String original;
        String edited;
        String id;
        try (HostProcess host = HostProcess.withToken(data)) {
            authorised(host).get("/api/v1/plugins").then().statusCode(200)
                    .body("plugins[0].adapterKinds[0].name", org.hamcrest.Matchers.equalTo(KIND));
            original = answer(host);
            id = authorised(host).contentType(ContentType.JSON).body(Map.of("method", KIND, "hparams",
                    Map.of("as_adapter", true), "evaluators", List.of(), "requests", List.of(Map.of("prompt",
                            "The capital of {} is", "subject", "Germany", "target", " Rome"))))
                    .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
            edited = answer(host);
            assertTrue(edited.startsWith(" Rome"), edited);
            at(host).get("/api/v1/models/demo/edits/" + id).then().statusCode(200)
                    .body("adapters[0].kind", org.hamcrest.Matchers.equalTo(KIND))
                    .body("deltas.size()", org.hamcrest.Matchers.equalTo(0));
            host.kill();
        }
        byte[] patch;
        try (HostProcess restarted = HostProcess.withToken(data)) {
            assertEquals(List.of(id), ids(restarted), "the plugin's adapter edit is replayed after kill -9");
            assertEquals(edited, answer(restarted));
            patch = at(restarted).get("/api/v1/models/demo/patch").then().statusCode(200).extract().asByteArray();
        }
        try (HostProcess fresh = HostProcess.withToken(work.resolve("fresh"))) {
            String refused = authorised(fresh).contentType("application/octet-stream").body(patch)
                    .post("/api/v1/models/demo/patches").then().statusCode(400).extract().path("message");
            assertTrue(refused.contains("\"" + KIND + "\" is not installed"), refused);
            assertEquals(List.of(), ids(fresh), "nothing was recorded");
            assertEquals(original, answer(fresh), "nothing changed");

            authorised(fresh).contentType("application/octet-stream").body(Files.readAllBytes(jar))
                    .post("/api/v1/plugins?file=" + JAR).then().statusCode(201);
            String imported = authorised(fresh).contentType("application/octet-stream").body(patch)
                    .post("/api/v1/models/demo/patches").then().statusCode(201).extract().path("[0].id");
            assertEquals(edited, answer(fresh), "the imported adapter answers as on the first host");
            authorised(fresh).delete("/api/v1/models/demo/edits/" + imported).then().statusCode(200);
            assertEquals(original, answer(fresh), "rolled back");
        }
        assertNotEquals(original, edited);
    }
}
