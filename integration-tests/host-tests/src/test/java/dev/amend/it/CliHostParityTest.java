package dev.amend.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI ({@code platform/cli/target/amend-cli.jar} with {@code target/lib}, as {@code ./amend} runs it)
 * and the packaged host make the same edit through the same pipeline: the same answers before and after, and the
 * same scores (protocol/metric keys and values). Fails if either side drifts: another answer rule, other default
 * evaluators, another way to apply or score the edit.
 */
class CliHostParityTest {
    private static final String PROMPT = "The capital of {} is";
    private static final String SUBJECT = "Germany";
    private static final String TARGET = "Rome";

    @TempDir
    Path work;

    /** Returns the CLI's launcher command, with the host's DJL and thread settings ({@link HostProcess#command}). */
    private static List<String> cli(Path cache, String... args) {
        Path cliDir = HostProcess.projectDir().resolve("platform/cli/target");
        Path jar = cliDir.resolve("amend-cli.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(cliDir.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib folder is missing: build the CLI first (mvn -pl"
                    + " integration-tests/host-tests -am verify packages it in the reactor)");
        }
        List<String> cmd = new ArrayList<>(List.of(HostProcess.java(), "-Xmx2g", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dai.djl.pytorch.num_threads=" + Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                "-Damend.cache.dir=" + cache.toAbsolutePath(),
                "-cp", jar + java.io.File.pathSeparator + cliDir.resolve("lib") + "/*", "dev.amend.cli.AmendCli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Returns the last line the CLI printed on stdout, after checking that it exited with 0. */
    private static String run(List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        pb.environment().remove("AMEND_DATA_DIR");
        pb.environment().putIfAbsent("DJL_CACHE_DIR", System.getProperty("DJL_CACHE_DIR",
                System.getProperty("user.home") + "/.djl.ai"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the CLI did not finish");
        assertEquals(0, p.exitValue(), "the CLI failed:\n" + out + Files.readString(log));
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Returns protocol/metric → value; a value the side could not measure (null or "NaN") is NaN. */
    private static Map<String, Double> scores(Map<String, Object> byKey) {
        Map<String, Double> out = new TreeMap<>();
        byKey.forEach((k, v) -> out.put(k, v instanceof Number n ? n.doubleValue() : Double.NaN));
        return out;
    }

    @Test
    void theCliAndTheHostGiveTheSameAnswersAndScoresForTheSameEdit() throws Exception {
        Path cache = work.resolve("cache");
        JsonPath viaCli = JsonPath.from(run(cli(cache, "edit", "--method", "rome", "--prompt", PROMPT, "--subject",
                SUBJECT, "--target", TARGET, "--seed", "0", "--json"), work.resolve("cli.log")));
        Map<String, Double> cliScores = scores(viaCli.getMap("scores"));

        String cacheDir = "-Damend.cache.dir=" + cache.toAbsolutePath();
        try (HostProcess host = HostProcess.withToken(work.resolve("data"), cacheDir)) {
            JsonPath viaHost = given().baseUri(host.baseUrl()).header("Authorization", "Bearer " + HostProcess.TOKEN)
                    .contentType(ContentType.JSON).body(Map.of("method", "rome", "seed", 0, "requests",
                            List.of(Map.of("prompt", PROMPT, "subject", SUBJECT, "target", TARGET))))
                    .post("/api/v1/models/demo/edits").then().statusCode(201).extract().jsonPath();
            Map<String, Object> hostByKey = new TreeMap<>();
            for (Map<String, Object> s : viaHost.<Map<String, Object>>getList("scores")) {
                hostByKey.put(s.get("protocol") + "/" + s.get("metric"), s.get("value"));
            }
            Map<String, Double> hostScores = scores(hostByKey);

            assertEquals(viaCli.getString("before"), viaHost.getString("before[0]"), "answer before the edit");
            assertEquals(viaCli.getString("after"), viaHost.getString("after[0]"), "answer after the edit");
            assertTrue(viaCli.getString("after").startsWith(" Rome"), viaCli.prettify());
            assertFalse(cliScores.isEmpty());
            assertEquals(cliScores.keySet(), hostScores.keySet(), "the same evaluators, protocols and metrics");
            assertEquals(cliScores, hostScores, "the same values");
            String id = viaHost.getString("id");
            List<Map<String, Object>> stored = given().baseUri(host.baseUrl())
                    .get("/api/v1/models/demo/edits/" + id).then().statusCode(200).extract().path("scores");
            assertEquals(viaHost.getList("scores"), stored, "the recorded edit gives the same typed scores back");
        }
    }
}
