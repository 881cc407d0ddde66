package dev.amend.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of the container without a container engine: the Dockerfile's start command,
 * run against the built app with its volume paths mapped to temporary folders, starts a host that uses
 * those folders, answers the probes the Kubernetes manifests name, and (with no token set, as a
 * container started without AMEND_AUTH_TOKEN) refuses changes.
 */
class ContainerStartTest {
    @TempDir
    Path work;

    static List<String> dockerfile() throws IOException {
        return Files.readAllLines(HostProcess.projectDir().resolve("Dockerfile"));
    }

    static List<String> startCommand() throws IOException {
        String cmd = dockerfile().stream().filter(l -> l.startsWith("CMD ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the Dockerfile has no CMD"));
        return new ObjectMapper().readValue(cmd.substring(4).strip(), new TypeReference<List<String>>() { });
    }

    @Test
    void theImageDeclaresItsVolumesAndCopiesTheBuiltApp() throws IOException {
        List<String> lines = dockerfile();
        assertTrue(lines.contains("VOLUME [\"/data\", \"/plugins\", \"/cache\"]"), "volumes: " + lines);
        for (String l : lines) {
            if (l.startsWith("COPY ")) {
                String source = l.split("\\s+")[2];
                Path p = HostProcess.projectDir().resolve(source.replace("*.jar", "quarkus-run.jar"));
                assertTrue(Files.exists(p), "the Dockerfile copies " + source + " which the build must produce");
            }
        }
        List<String> cmd = startCommand();
        assertTrue(cmd.containsAll(List.of("-Damend.data-dir=/data", "-Damend.plugins.dir=/plugins",
                "-DDJL_CACHE_DIR=/cache/djl", "-Damend.cache.dir=/cache/amend", "-Dai.djl.offline=true")), cmd::toString);
        assertEquals(List.of("-jar", "/deployments/quarkus-run.jar"), cmd.subList(cmd.size() - 2, cmd.size()));
    }

    @Test
    void theStartCommandRunsThePackagedHostWithThoseDirectories() throws IOException {
        Path data = work.resolve("data");
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path cache = work.resolve("cache-amend");
        String djlCache = System.getProperty("DJL_CACHE_DIR", System.getProperty("user.home") + "/.djl.ai");
        int port = HostProcess.freePort();
        List<String> command = new ArrayList<>();
        for (String arg : startCommand()) {
            command.add(switch (arg) {
                case "java" -> HostProcess.java();
                case "-XX:MaxRAMPercentage=75" -> "-Xmx2g";
                case "-Dquarkus.http.host=0.0.0.0" -> "-Dquarkus.http.host=127.0.0.1";
                default -> arg.replace("/deployments/", HostProcess.appDir() + "/")
                        .replace("=/data", "=" + data)
                        .replace("=/plugins", "=" + plugins)
                        .replace("=/cache/djl", "=" + djlCache)
                        .replace("=/cache/amend", "=" + cache)
                        .replace("-Dquarkus.http.port=8080", "-Dquarkus.http.port=" + port);
            });
        }
        try (HostProcess host = HostProcess.start(command, Map.of(), port, work.resolve("host.log"))) {
            Map<String, Object> k8s = deployment();
            String ready = probePath(k8s, "readinessProbe");
            String live = probePath(k8s, "livenessProbe");
            assertEquals("/q/health/ready", ready);
            assertEquals("/q/health/live", live);
            given().port(port).get(ready).then().statusCode(200).body("status", equalTo("UP"));
            given().port(port).get(live).then().statusCode(200);
            assertTrue(Files.list(data).anyMatch(p -> p.getFileName().toString().startsWith("demo-")
                    && Files.isRegularFile(p.resolve("journal.jsonl"))), "the ledger's journal is under the data volume");
            // without a token the host names its directories without their server paths
            given().port(port).get("/api/v1/models/demo").then().statusCode(200)
                    .body("ledger", startsWith("durable (demo-"))
                    .body("ledger", not(containsString(data.toAbsolutePath().toString())));
            given().port(port).get("/api/v1/plugins").then().statusCode(200)
                    .body("directory", equalTo(plugins.getFileName().toString()));
            assertTrue(Files.list(cache).anyMatch(p -> p.getFileName().toString().startsWith("demo-")),
                    "the demo model is unpacked into the cache volume");
            given().port(port).get("/api/v1/models").then().statusCode(200);
            given().port(port).header("Authorization", "Bearer anything").contentType(ContentType.JSON)
                    .body(Map.of("method", "rome", "requests", List.of(Map.of("prompt", "The capital of {} is",
                            "subject", "France", "target", "Rome"))))
                    .post("/api/v1/models/demo/edits").then().statusCode(403)
                    .body("message", containsString("AMEND_AUTH_TOKEN"));
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deployment() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object o : new Yaml().loadAll(Files.readString(HostProcess.projectDir().resolve("deploy/k8s/amend.yaml")))) {
            docs.add((Map<String, Object>) o);
        }
        assertTrue(docs.stream().anyMatch(d -> "PersistentVolumeClaim".equals(d.get("kind"))));
        assertTrue(docs.stream().anyMatch(d -> "Service".equals(d.get("kind"))));
        return docs.stream().filter(d -> "Deployment".equals(d.get("kind"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static String probePath(Map<String, Object> deployment, String probe) {
        Map<String, Object> spec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) deployment
                .get("spec")).get("template")).get("spec");
        Map<String, Object> container = ((List<Map<String, Object>>) spec.get("containers")).get(0);
        List<Map<String, Object>> mounts = (List<Map<String, Object>>) container.get("volumeMounts");
        assertTrue(mounts.stream().map(m -> m.get("mountPath")).toList().containsAll(List.of("/data", "/plugins",
                "/cache")), "the Deployment mounts the image's volumes");
        return (String) ((Map<String, Object>) ((Map<String, Object>) container.get(probe)).get("httpGet")).get("path");
    }
}
