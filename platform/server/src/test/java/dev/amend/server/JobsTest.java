package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Edit jobs over REST: started, followed as server-sent events to the end, rolled back; a cancelled job leaves the model unchanged. */
@QuarkusTest
class JobsTest {
    @AfterEach
    void cleanUp() {
        RestApiTest.rollbackAll();
    }

    static Map<String, Object> job(String subject, String target) {
        Map<String, Object> b = new HashMap<>(RestApiTest.edit("The capital of {} is", subject, target));
        b.put("model", "demo");
        b.put("evaluators", List.of());
        return b;
    }

    @Test
    void aJobStreamsProgressAndEndsWithTheEdit() {
        String before = RestApiTest.weightsHash();
        String id = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(job("Italy", "Madrid")).post("/api/v1/jobs").then().statusCode(202)
                .body("state", anyOf(equalTo("queued"), equalTo("running"))).extract().path("id");
        String events = given().accept("text/event-stream").get("/api/v1/jobs/" + id + "/events")
                .then().statusCode(200).extract().asString();
        assertTrue(events.contains("\"state\":\"running\""), events);
        assertTrue(events.contains("\"stage\":\"rome\""), "progress of the ROME stage is streamed: " + events);
        assertTrue(events.strip().endsWith("}") && events.contains("\"state\":\"succeeded\""), events);
        String editId = given().get("/api/v1/jobs/" + id).then().statusCode(200)
                .body("state", equalTo("succeeded"))
                .body("result.after[0]", containsString("Madrid"))
                .extract().path("result.id");
        given().header("Authorization", RestApiTest.TOKEN).delete("/api/v1/models/demo/edits/" + editId)
                .then().statusCode(200);
        assertEquals(before, RestApiTest.weightsHash());
    }

    @Test
    void aCancelledJobLeavesTheModelUnchanged() {
        String before = RestApiTest.weightsHash();
        String first = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(job("Italy", "Oslo")).post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        String second = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(job("Spain", "Oslo")).post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        given().header("Authorization", RestApiTest.TOKEN).post("/api/v1/jobs/" + first + "/cancel")
                .then().statusCode(200);
        given().header("Authorization", RestApiTest.TOKEN).post("/api/v1/jobs/" + second + "/cancel")
                .then().statusCode(200);
        for (String id : List.of(first, second)) {
            given().accept("text/event-stream").get("/api/v1/jobs/" + id + "/events").then().statusCode(200);
            given().get("/api/v1/jobs/" + id).then().statusCode(200).body("state", equalTo("cancelled"))
                    .body("error", containsString("cancelled"));
        }
        assertEquals(before, RestApiTest.weightsHash());
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(job("Italy", "  ")).post("/api/v1/jobs").then().statusCode(400)
                .body("message", containsString("target"));
    }
}
