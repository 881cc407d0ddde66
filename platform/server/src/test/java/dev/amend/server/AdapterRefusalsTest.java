package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.ExportPatchRequest;
import dev.amend.server.grpc.v1.ImportPatchRequest;
import dev.amend.server.grpc.v1.ModelRef;
import dev.amend.server.grpc.v1.RollbackRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Refusals around adapter edits, over REST and gRPC: a GRACE hyperparameter file naming a layer the model lacks,
 * and a patch whose adapter kind is not installed, are each refused with a message saying what to fix, and nothing
 * changes (no edit recorded, the same weights, the same answers).
 */
@QuarkusTest
class AdapterRefusalsTest {
    private static final String PROMPT = "The capital of Germany is";

    @TestHTTPResource
    URL url;

    @AfterEach
    void clean() {
        RestApiTest.rollbackAll();
    }

    private static String answer() {
        return given().contentType(ContentType.JSON).body(Map.of("prompt", PROMPT, "maxNewTokens", 3))
                .post("/api/v1/models/demo/generate").then().statusCode(200).extract().path("text");
    }

    private static List<String> state() {
        List<String> ids = given().get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
        return List.of(String.valueOf(ids), RestApiTest.weightsHash(), answer());
    }

    @Test
    void aGraceFileNamingALayerTheModelLacksIsRefusedAndNothingChanges() {
        List<String> before = state();
        Map<String, Object> hparams = Map.of("inner_params", List.of("transformer.h[35].mlp.c_fc.weight"));
        String message = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(Map.of("method", "grace", "hparams", hparams, "requests", List.of(Map.of("prompt",
                        "The capital of {} is", "subject", "Germany", "target", " Rome"))))
                .post("/api/v1/models/demo/edits").then().statusCode(400).extract().path("message");
        assertTrue(message.contains("layer 35") && message.contains("layers 0..5"), message);
        GrpcClients clients = GrpcClients.open(url);
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> clients.authorised().edit(
                    GrpcApiTest.edit("Germany", " Rome").toBuilder().setMethod("grace")
                            .setHparamsJson("{\"inner_params\": [\"transformer.h[35].mlp.c_fc.weight\"]}").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("layer 35"), e.getStatus().getDescription());
        } finally {
            clients.close();
        }
        assertEquals(before, state(), "no edit recorded, the same weights and answers");
    }

    @Test
    void aPatchWhoseAdapterKindIsNotInstalledIsRefusedAndNothingChanges() throws Exception {
        GrpcClients clients = GrpcClients.open(url);
        try {
            EditRequest grace = GrpcApiTest.edit("Germany", " Rome").toBuilder().setMethod("grace").setHparamsJson("{}")
                    .build();
            String id = clients.authorised().edit(grace).getId();
            byte[] patch = clients.anonymous().exportPatch(ExportPatchRequest.newBuilder().setModel("demo").addIds(id)
                    .build()).getContent().toByteArray();
            clients.authorised().rollbackEdits(RollbackRequest.newBuilder().setModel("demo").addIds(id).build());
            byte[] foreign = withAdapterKind(patch, "grace-codebook", "no-such-kind");
            List<String> before = state();

            String message = given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream")
                    .body(foreign).post("/api/v1/models/demo/patches").then().statusCode(400).extract().path("message");
            assertTrue(message.contains("adapter kind \"no-such-kind\" is not installed")
                    && message.contains("grace-codebook"), message);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> clients.authorised()
                    .importPatch(ImportPatchRequest.newBuilder().setModel("demo")
                            .setContent(ByteString.copyFrom(foreign)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("\"no-such-kind\" is not installed"),
                    e.getStatus().getDescription());
            assertEquals(before, state(), "no edit recorded, the same weights and answers");
            assertEquals(0, clients.anonymous().listEdits(ModelRef.newBuilder().setModel("demo").build())
                    .getEditsCount());
        } finally {
            clients.close();
        }
    }

    /** Returns {@code patch} with every adapter kind {@code from} in patch.json renamed {@code to}. */
    static byte[] withAdapterKind(byte[] patch, String from, String to) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(patch));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("patch.json")) {
                    String json = new String(bytes, StandardCharsets.UTF_8);
                    assertTrue(json.contains("\"kind\":\"" + from + "\""), "the patch names " + from);
                    bytes = json.replace("\"kind\":\"" + from + "\"", "\"kind\":\"" + to + "\"")
                            .getBytes(StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
