package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRef;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.FactRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The answers to an edit carry the editor's notes on it ({@code warnings}, {@code non_finite_steps}) over REST and
 * gRPC, and a patch import says which edits it skipped.
 */
@QuarkusTest
class EditNotesApiTest {
    /** The demo corpus holds a few hundred texts: asking for 100,000 makes ROME use them all and say so. */
    static final Map<String, Object> MORE_TEXTS_THAN_THE_CORPUS = Map.of("v_num_grad_steps", 5, "mom2_n_samples",
            100_000);
    static final String CORPUS_WARNING = "mom2_n_samples asks for 100000 texts but the corpus holds ";

    @TestHTTPResource
    URL url;

    @AfterEach
    void cleanUp() {
        RestApiTest.rollbackAll();
    }

    static Response edit(Map<String, Object> hparams, String subject, String target) {
        return given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(Map.of("method", "rome", "hparams", hparams, "evaluators", List.of(), "requests",
                        List.of(Map.of("prompt", "The capital of {} is", "subject", subject, "target", target))))
                .post("/api/v1/models/demo/edits");
    }

    @Test
    void aRestEditSaysWhenTheCorpusHeldFewerTextsThanAskedFor() {
        Response r = edit(MORE_TEXTS_THAN_THE_CORPUS, "Spain", "Oslo");
        r.then().statusCode(201).body("warnings.size()", equalTo(1))
                .body("warnings[0]", containsString(CORPUS_WARNING))
                .body("warnings[0]", containsString("the statistics use all"))
                .body("non_finite_steps", equalTo(0))
                .body("edit.warnings[0]", containsString(CORPUS_WARNING));
        String id = r.path("id");
        given().get("/api/v1/models/demo/edits/" + id).then().statusCode(200)
                .body("warnings[0]", containsString(CORPUS_WARNING)).body("non_finite_steps", equalTo(0));
        edit(Map.of("v_num_grad_steps", 5), "Spain", "Oslo").then().statusCode(201)
                .body("warnings.size()", equalTo(0)).body("non_finite_steps", equalTo(0));
    }

    @Test
    void aRestEditCountsTheOptimisationsThatStoppedOnANonFiniteLoss() {
        // The KL term is 0 at δ = 0; after a step as large as allowed, unclamped, kl_factor × KL overflows float32.
        edit(Map.of("v_num_grad_steps", 20, "v_lr", 100, "clamp_norm_factor", 1e30, "kl_factor", 1e38), "Spain",
                "Oslo")
                .then().statusCode(201).body("non_finite_steps", equalTo(1));
    }

    @Test
    void aGrpcEditCarriesTheSameNotes() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        try {
            Metadata token = new Metadata();
            token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), RestApiTest.TOKEN);
            AmendGrpc.AmendBlockingStub grpc = AmendGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token));
            EditResponse r = grpc.edit(EditRequest.newBuilder().setModel("demo").setMethod("rome")
                    .setHparamsJson("{\"v_num_grad_steps\": 5, \"mom2_n_samples\": 100000}").setNoEvaluation(true)
                    .addRequests(FactRequest.newBuilder().setPrompt("The capital of {} is").setSubject("Egypt")
                            .setTarget("Lima")).build());
            assertEquals(1, r.getWarningsCount(), r.getWarningsList().toString());
            assertTrue(r.getWarnings(0).startsWith(CORPUS_WARNING), r.getWarnings(0));
            assertEquals(0, r.getNonFiniteSteps());
            assertEquals(r.getWarningsList(), r.getEdit().getWarningsList());
            assertEquals(r.getWarningsList(), grpc.getEdit(EditRef.newBuilder().setModel("demo").setId(r.getId())
                    .build()).getWarningsList());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aRestImportReportsTheEditsItAddedAndSkipped() {
        String id = edit(Map.of("v_num_grad_steps", 5), "Spain", "Oslo").then().statusCode(201).extract().path("id");
        byte[] patch = given().get("/api/v1/models/demo/patch?ids=" + id).then().statusCode(200)
                .extract().asByteArray();
        given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream").body(patch)
                .post("/api/v1/models/demo/patches?report=true").then().statusCode(201)
                .body("added.size()", equalTo(0)).body("skipped", equalTo(List.of(id)))
                .body("message", containsString("already in the history"))
                .header("Amend-Skipped", id).header("Amend-Message", containsString(id));
        given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream").body(patch)
                .post("/api/v1/models/demo/patches").then().statusCode(201).body("size()", equalTo(0))
                .header("Amend-Skipped", id);
        given().header("Authorization", RestApiTest.TOKEN).delete("/api/v1/models/demo/edits/" + id)
                .then().statusCode(200);
        Response added = given().header("Authorization", RestApiTest.TOKEN).contentType("application/octet-stream")
                .body(patch).post("/api/v1/models/demo/patches?report=true");
        added.then().statusCode(201).body("added.size()", equalTo(1)).body("skipped.size()", equalTo(0))
                .body("added[0].info.imported_from.id", equalTo(id)).body("message", equalTo(null))
                .header("Amend-Skipped", equalTo(null));
    }
}
