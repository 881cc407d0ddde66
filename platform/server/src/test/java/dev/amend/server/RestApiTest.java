package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The REST API in process, over real HTTP, on the demo model with a short ROME profile. */
@QuarkusTest
class RestApiTest {
    static final String TOKEN = "Bearer test-token";
    /** ROME on the demo model with few optimisation steps, to keep the tests short. */
    static final Map<String, Object> QUICK_ROME = Map.of("v_num_grad_steps", 20);

    static Map<String, Object> edit(String prompt, String subject, String target) {
        return Map.of("method", "rome", "hparams", QUICK_ROME,
                "requests", List.of(Map.of("prompt", prompt, "subject", subject, "target", target)));
    }

    /** Rolls back every applied edit (so each test starts from the base weights, whatever an earlier one left). */
    static void rollbackAll() {
        List<String> ids = given().get("/api/v1/models/demo/edits").then().statusCode(200).extract().path("id");
        for (String id : ids) {
            given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + id).then().statusCode(200);
        }
    }

    @AfterEach
    void cleanUp() {
        rollbackAll();
    }

    static String weightsHash() {
        return given().get("/api/v1/models/demo").then().statusCode(200).extract().path("weightsHash");
    }

    @Test
    void listsAndDescribesTheDemoModel() {
        given().get("/api/v1/models").then().statusCode(200)
                .body("name", hasItem("demo"));
        given().get("/api/v1/models/demo").then().statusCode(200)
                .body("family", equalTo("gpt2"))
                .body("layers", equalTo(6))
                .body("maxContext", equalTo(256))
                .body("editPoints[1].weight", equalTo("transformer.h.1.mlp.c_proj.weight"))
                .body("baseHash", notNullValue());
    }

    @Test
    void listsThePluginsDirectoryAndRefusesUploadsWithoutTheToken() {
        given().header("Authorization", TOKEN).get("/api/v1/plugins").then().statusCode(200)
                .body("directory", containsString("amend-plugins")).body("plugins.size()", equalTo(0));
        given().contentType("application/octet-stream").body(new byte[] {1, 2})
                .post("/api/v1/plugins?file=a.jar").then().statusCode(401);
        given().delete("/api/v1/plugins/a.jar").then().statusCode(401);
        given().header("Authorization", TOKEN).delete("/api/v1/plugins/a.jar").then().statusCode(404)
                .body("message", containsString("no plugin jar a.jar"));
        given().header("Authorization", TOKEN).contentType("application/octet-stream").body(new byte[] {1, 2})
                .post("/api/v1/plugins").then().statusCode(400).body("message", containsString("?file="));
        given().get("/api/v1/models/demo").then().statusCode(200).body("ledger", containsString("durable ("));
    }

    @Test
    void listsMethodsWithDefaultsAndEvaluators() {
        given().get("/api/v1/methods").then().statusCode(200)
                .body("editors.find { it.name == 'rome' }.origin", equalTo("classpath"))
                .body("editors.name", hasItem("rome"))
                .body("editors.name", hasItem("memit"))
                .body("evaluators.name", hasItem("counterfact"))
                .body("editors.find { it.name == 'rome' }.hyperparameters.find { it.name == 'layers' }.defaultValue",
                        equalTo(List.of(1)));
    }

    @Test
    void generatesGreedilyAndRepeatably() {
        Map<String, Object> body = Map.of("prompt", "The capital of France is", "maxNewTokens", 4);
        String a = given().contentType(ContentType.JSON).body(body).post("/api/v1/models/demo/generate")
                .then().statusCode(200).extract().path("text");
        String b = given().contentType(ContentType.JSON).body(body).post("/api/v1/models/demo/generate")
                .then().statusCode(200).extract().path("text");
        assertEquals(a, b);
        assertTrue(a.contains("Paris"), a);
    }

    @Test
    void editsRecordsListsExportsRollsBackAndImports() {
        String base = given().get("/api/v1/models/demo").then().extract().path("baseHash");
        String before = weightsHash();
        Response r = given().header("Authorization", TOKEN).contentType(ContentType.JSON)
                .body(edit("The capital of {} is", "Germany", "Rome"))
                .post("/api/v1/models/demo/edits");
        r.then().statusCode(201)
                .body("id", notNullValue())
                .body("before[0]", containsString("Berlin"))
                .body("after[0]", containsString("Rome"))
                .body("scores.protocol", hasItem("counterfact-probability"))
                .body("edit.method", equalTo("rome"))
                .body("edit.deltas[0].kind", equalTo("low-rank"));
        String id = r.path("id");
        String edited = weightsHash();
        assertNotEquals(before, edited);

        given().get("/api/v1/models/demo/edits").then().statusCode(200).body("id", hasItem(id));
        given().get("/api/v1/models/demo/edits/" + id).then().statusCode(200)
                .body("hyperparameters.v_num_grad_steps", equalTo(20))
                .body("contextTemplates.size()", not(equalTo(0)));
        byte[] patch = given().get("/api/v1/models/demo/edits/" + id + "/patch").then().statusCode(200)
                .extract().asByteArray();

        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + id).then().statusCode(200)
                .body("rolledBack", equalTo(List.of(id)))
                .body("recomputedFromBase", equalTo(true))
                .body("restoredWeights", hasItem(r.path("edit.deltas[0].weight").toString()))
                .body("note", containsString("restored from the base model"))
                .body("weightsHash", equalTo(before));
        given().get("/api/v1/models/demo/edits/" + id).then().statusCode(404).body("error", equalTo("not_found"));

        String imported = given().header("Authorization", TOKEN).contentType("application/octet-stream").body(patch)
                .post("/api/v1/models/demo/patches").then().statusCode(201).extract().path("[0].id");
        assertEquals(edited, weightsHash(), "the imported patch gives the weights the edit gave");
        given().contentType(ContentType.JSON).body(Map.of("prompt", "The capital of Germany is", "maxNewTokens", 3))
                .post("/api/v1/models/demo/generate").then().statusCode(200).body("text", containsString("Rome"));
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + imported).then().statusCode(200);
        assertEquals(before, weightsHash());
        assertEquals(base, weightsHash(), "with no edit applied the weights are the base weights, bit for bit");
    }

    @Test
    void aBatchEditWithMemitWritesEveryFactAndRollsBackAsOne() {
        String before = weightsHash();
        Response r = given().header("Authorization", TOKEN).contentType(ContentType.JSON)
                .body(Map.of("method", "memit", "evaluators", List.of("counterfact"), "hparams", Map.of("v_num_grad_steps", 20),
                        "requests", List.of(
                                Map.of("prompt", "The capital of {} is", "subject", "Germany", "target", "Rome"),
                                Map.of("prompt", "The capital of {} is", "subject", "Japan", "target", "Paris"))))
                .post("/api/v1/models/demo/edits");
        r.then().statusCode(201)
                .body("before.size()", equalTo(2))
                .body("after[0]", containsString("Rome"))
                .body("after[1]", containsString("Paris"))
                .body("edit.requests.subject", equalTo(List.of("Germany", "Japan")))
                .body("edit.deltas.weight", hasItem("transformer.h.3.mlp.c_proj.weight"))
                .body("scores.find { it.metric == 'efficacy' }.count", equalTo(2));
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits/" + r.path("id"))
                .then().statusCode(200);
        assertEquals(before, weightsHash());
    }

    @Test
    void severalEditsRollBackAndExportTogether() {
        String before = weightsHash();
        Map<String, Object> quick = Map.of("method", "rome", "evaluators", List.of(), "hparams", Map.of("v_num_grad_steps", 5),
                "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", "Spain", "target", "Oslo")));
        String a = given().header("Authorization", TOKEN).contentType(ContentType.JSON).body(quick)
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
        String b = given().header("Authorization", TOKEN).contentType(ContentType.JSON).body(quick)
                .post("/api/v1/models/demo/edits").then().statusCode(201).extract().path("id");
        String both = weightsHash();
        byte[] patch = given().get("/api/v1/models/demo/patch?ids=" + a + "," + b).then().statusCode(200)
                .extract().asByteArray();
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits?ids=" + b + "," + a)
                .then().statusCode(200).body("rolledBack.size()", equalTo(2));
        assertEquals(before, weightsHash());
        given().header("Authorization", TOKEN).delete("/api/v1/models/demo/edits").then().statusCode(400)
                .body("message", containsString("ids="));
        given().header("Authorization", TOKEN).contentType("application/octet-stream").body(patch)
                .post("/api/v1/models/demo/patches").then().statusCode(201).body("size()", equalTo(2));
        assertEquals(both, weightsHash(), "importing both edits gives the weights both edits gave");
    }

    @Test
    void mutatingCallsNeedTheToken() {
        String before = weightsHash();
        given().contentType(ContentType.JSON).body(edit("The capital of {} is", "Spain", "Oslo"))
                .post("/api/v1/models/demo/edits").then().statusCode(401)
                .body("error", equalTo("unauthorized")).body("message", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON)
                .body(edit("The capital of {} is", "Spain", "Oslo"))
                .post("/api/v1/models/demo/edits").then().statusCode(401);
        given().delete("/api/v1/models/demo/edits/e-nothing").then().statusCode(401);
        given().contentType("application/octet-stream").body(new byte[] {1})
                .post("/api/v1/models/demo/patches").then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("model", "demo", "method", "rome", "requests",
                List.of(Map.of("prompt", "The capital of {} is", "subject", "Spain", "target", "Oslo"))))
                .post("/api/v1/jobs").then().statusCode(401);
        assertEquals(before, weightsHash());
    }
}
