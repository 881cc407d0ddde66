package dev.amend.it;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.InstallPluginRequest;
import dev.amend.server.grpc.v1.ListPluginsRequest;
import dev.amend.server.grpc.v1.PluginInfo;
import dev.amend.server.grpc.v1.PluginRef;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plugin built by the reactor, hot-loaded by the running host: copied into its plugins directory,
 * replaced by its next version, a broken jar beside it, removed; then installed and removed through the API
 * (REST and gRPC), with and without the token. The host process keeps serving throughout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginHotSwapTest {
    static final String METHOD = "example-rank-one";
    static final String EVALUATOR = "example-target-logprob";
    static final String JAR = "example-plugin.jar";
    static final Path V1 = jar("amend.example.plugin.jar");
    static final Path V2 = jar("amend.example.plugin.next.jar");
    static final Map<String, Object> FACT = Map.of("prompt", "The capital of {} is", "subject", "France",
            "target", " Rome");

    @TempDir
    static Path work;
    static HostProcess host;
    static Path plugins;
    static ManagedChannel channel;
    static AmendGrpc.AmendBlockingStub grpc;

    @BeforeAll
    static void startHost() throws IOException {
        Path data = work.resolve("data");
        plugins = Files.createDirectories(HostProcess.pluginsDir(data));
        host = HostProcess.withToken(data);
        channel = ManagedChannelBuilder.forAddress("localhost", host.port()).usePlaintext().build();
        grpc = AmendGrpc.newBlockingStub(channel);
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

    static Path jar(String property) {
        String p = System.getProperty(property);
        Path path = p == null ? null : Path.of(p);
        if (path == null || !Files.isRegularFile(path)) {
            throw new IllegalStateException("the example plugin's jar is missing (" + property + " = " + p + "): build"
                    + " it in the reactor, e.g. mvn -pl integration-tests/example-plugin,integration-tests/host-tests"
                    + " -am verify");
        }
        return path;
    }

    static RequestSpecification at() {
        return RestAssured.given().baseUri("http://localhost").port(host.port());
    }

    static RequestSpecification withToken() {
        return at().header("Authorization", "Bearer " + HostProcess.TOKEN);
    }

    static ValidatableResponse edit(String method) {
        return withToken().contentType(ContentType.JSON)
                .body(Map.of("method", method, "evaluators", List.of(EVALUATOR), "requests", List.of(FACT),
                        "hparams", Map.of("v_num_grad_steps", 8)))
                .post("/api/v1/models/demo/edits").then();
    }

    /** Copies {@code jar} into the plugins directory as {@code name}: under a hidden name first, then renamed. */
    static void copyIn(Path jar, String name) throws IOException {
        Path tmp = plugins.resolve("." + name + ".part");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, plugins.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String editorVersion(String name) {
        List<Map<String, Object>> editors = at().get("/api/v1/methods").then().statusCode(200).extract().path("editors");
        return editors.stream().filter(e -> name.equals(e.get("name"))).map(e -> (String) e.get("version")).findFirst()
                .orElse(null);
    }

    static Map<String, Object> plugin(String file) {
        List<Map<String, Object>> list = at().get("/api/v1/plugins").then().statusCode(200).extract().path("plugins");
        return list.stream().filter(p -> file.equals(p.get("file"))).findFirst().orElse(null);
    }

    /** Returns {@code value}'s first non-null answer within 30 s (the host polls its directory every 200 ms). */
    static <T> T await(String what, Supplier<T> value) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            T v = value.get();
            if (v != null) {
                return v;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("within 30 s: " + what + "\n" + host.logTail());
    }

    @Test
    @Order(1)
    void aJarCopiedIntoThePluginsDirectoryIsServedAndEdits() throws IOException {
        assertEquals(null, editorVersion(METHOD), "not installed before the copy");
        copyIn(V1, JAR);
        assertEquals("1.0.0", await(METHOD + " listed", () -> editorVersion(METHOD)));
        at().get("/api/v1/methods").then()
                .body("editors.find { it.name == '" + METHOD + "' }.origin", equalTo("plugin:" + JAR))
                .body("editors.find { it.name == '" + METHOD + "' }.hyperparameters.name", hasItem("v_num_grad_steps"))
                .body("editors.find { it.name == '" + METHOD + "' }.hyperparameters.find { it.name == 'layer' }"
                        + ".defaultValue", equalTo(1))
                .body("evaluators.find { it.name == '" + EVALUATOR + "' }.origin", equalTo("plugin:" + JAR));
        edit(METHOD).statusCode(201)
                .body("edit.method", equalTo(METHOD)).body("edit.methodVersion", equalTo("1.0.0"))
                .body("scores.protocol", hasItem(EVALUATOR));
        withToken().get("/api/v1/plugins").then().statusCode(200)
                .body("directory", equalTo(plugins.toAbsolutePath().normalize().toString()))
                .body("plugins.find { it.file == '" + JAR + "' }.status", equalTo("LOADED"))
                .body("plugins.find { it.file == '" + JAR + "' }.editors.name", hasItem(METHOD));
    }

    @Test
    @Order(2)
    void aReplacedJarServesItsNewVersionWhileAnEditStartedOnTheOldOneFinishesOnIt() throws IOException {
        String job = withToken().contentType(ContentType.JSON)
                .body(Map.of("model", "demo", "method", METHOD, "evaluators", List.of(), "hparams",
                        Map.of("v_num_grad_steps", 8), "requests",
                        List.of(Map.of("prompt", "The capital of {} is", "subject", "Spain", "target", " Oslo"))))
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        copyIn(V2, JAR);
        await("version 2.0.0 listed", () -> "2.0.0".equals(editorVersion(METHOD)) ? true : null);
        Map<String, Object> done = await("job " + job + " ended", () -> {
            Map<String, Object> j = at().get("/api/v1/jobs/" + job).then().statusCode(200).extract().path("$");
            return List.of("succeeded", "failed", "cancelled").contains(j.get("state")) ? j : null;
        });
        assertEquals("succeeded", done.get("state"), "the job finished: " + done);
        assertEquals("1.0.0", ((Map<?, ?>) ((Map<?, ?>) done.get("result")).get("edit")).get("methodVersion"),
                "the job leased version 1.0.0 when it was submitted and finished on it");
    }

    @Test
    @Order(3)
    void aBrokenJarIsReportedAsFailedWithItsReasonWhileTheHostKeepsServing() throws IOException {
        Files.writeString(plugins.resolve("x.jar"), "this is not a jar", StandardCharsets.UTF_8);
        Map<String, Object> x = await("x.jar reported", () -> plugin("x.jar"));
        assertEquals("FAILED", x.get("status"));
        assertTrue(String.valueOf(x.get("reason")).length() > 5, "a reason is given: " + x);
        assertEquals("2.0.0", editorVersion(METHOD), "the other plugin is still served");
        at().contentType(ContentType.JSON).body(Map.of("prompt", "The capital of France is", "maxNewTokens", 3))
                .post("/api/v1/models/demo/generate").then().statusCode(200);
        at().get("/q/health/ready").then().statusCode(200);
        Files.delete(plugins.resolve("x.jar"));
        await("x.jar gone", () -> plugin("x.jar") == null ? true : null);
    }

    @Test
    @Order(4)
    void aRemovedJarsMethodIsAnUnknownMethod() throws IOException {
        Files.delete(plugins.resolve(JAR));
        await(METHOD + " gone", () -> editorVersion(METHOD) == null ? true : null);
        edit(METHOD).statusCode(400).body("message", containsString("installed methods are"))
                .body("message", containsString("rome"));
    }

    @Test
    @Order(5)
    void pluginsAreInstalledAndRemovedThroughTheRestApiWithTheToken() throws IOException {
        byte[] bytes = Files.readAllBytes(V1);
        at().contentType("application/octet-stream").body(bytes).post("/api/v1/plugins?file=" + JAR).then()
                .statusCode(401);
        assertEquals(null, editorVersion(METHOD), "refused without the token: nothing installed");
        withToken().contentType("application/octet-stream").body(bytes).post("/api/v1/plugins?file=" + JAR).then()
                .statusCode(201).body("file", equalTo(JAR)).body("status", equalTo("LOADED"))
                .body("editors.name", hasItem(METHOD));
        assertEquals("1.0.0", editorVersion(METHOD), "served as soon as the upload answers");
        assertTrue(Files.isRegularFile(plugins.resolve(JAR)), "written into the plugins directory");
        withToken().contentType("application/octet-stream").body("not a jar".getBytes(StandardCharsets.UTF_8))
                .header("X-Plugin-File", "broken.jar").post("/api/v1/plugins").then().statusCode(400)
                .body("message", containsString("broken.jar was not installed"));
        assertEquals(null, plugin("broken.jar"), "a jar that cannot load is not kept");
        withToken().contentType("application/octet-stream").body(bytes).post("/api/v1/plugins?file=../evil.jar")
                .then().statusCode(400).body("message", containsString("not a plugin file name"));
        at().delete("/api/v1/plugins/" + JAR).then().statusCode(401);
        assertEquals("1.0.0", editorVersion(METHOD), "refused without the token: still installed");
        withToken().delete("/api/v1/plugins/" + JAR).then().statusCode(200)
                .body("plugins.file", not(hasItem(JAR)));
        assertEquals(null, editorVersion(METHOD), "gone as soon as the delete answers");
        withToken().delete("/api/v1/plugins/" + JAR).then().statusCode(404);
    }

    @Test
    @Order(6)
    void pluginsAreInstalledAndRemovedOverGrpcWithTheToken() throws IOException {
        InstallPluginRequest install = InstallPluginRequest.newBuilder().setFile(JAR)
                .setContent(ByteString.copyFrom(Files.readAllBytes(V2))).build();
        StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> grpc.installPlugin(install));
        assertEquals(Status.Code.UNAUTHENTICATED, denied.getStatus().getCode());
        Metadata token = new Metadata();
        token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + HostProcess.TOKEN);
        AmendGrpc.AmendBlockingStub authorised = grpc.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token));
        PluginInfo info = authorised.installPlugin(install);
        assertEquals("LOADED", info.getStatus());
        assertEquals("2.0.0", info.getEditorsList().stream().filter(m -> m.getName().equals(METHOD)).findFirst()
                .orElseThrow().getVersion());
        assertTrue(grpc.listPlugins(ListPluginsRequest.getDefaultInstance()).getPluginsList().stream()
                .anyMatch(p -> p.getFile().equals(JAR) && p.getStatus().equals("LOADED")));
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> grpc.removePlugin(PluginRef.newBuilder().setFile(JAR).build())).getStatus().getCode());
        assertTrue(authorised.removePlugin(PluginRef.newBuilder().setFile(JAR).build()).getPluginsList().stream()
                .noneMatch(p -> Objects.equals(p.getFile(), JAR)));
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> authorised.removePlugin(PluginRef.newBuilder().setFile(JAR).build())).getStatus().getCode());
    }
}
