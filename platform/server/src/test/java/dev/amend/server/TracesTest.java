package dev.amend.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.TraceHeatmapRequest;
import dev.amend.server.grpc.v1.TraceJob;
import dev.amend.server.grpc.v1.TraceJobRef;
import dev.amend.server.grpc.v1.TraceRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Causal traces as jobs over REST and gRPC: progress, the matrices, the heatmaps, and bad input refused at once. */
@QuarkusTest
class TracesTest {
    @TestHTTPResource
    URL url;

    static Map<String, Object> trace(String prompt, String subject, String target) {
        return target == null ? Map.of("prompt", prompt, "subject", subject, "samples", 3)
                : Map.of("prompt", prompt, "subject", subject, "target", target, "samples", 3);
    }

    @Test
    void aTraceJobStreamsProgressAndEndsWithTheMatricesAndHeatmaps() {
        String before = RestApiTest.weightsHash();
        String id = given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(trace("The capital of {} is", "France", "Paris")).post("/api/v1/models/demo/traces")
                .then().statusCode(202).header("Location", containsString("/api/v1/models/demo/traces/"))
                .extract().path("id");
        String events = given().accept("text/event-stream").get("/api/v1/models/demo/traces/" + id + "/events")
                .then().statusCode(200).extract().asString();
        assertTrue(events.contains("\"stage\":\"trace\"") && events.contains("\"state\":\"succeeded\""), events);
        List<List<Float>> mlp = given().get("/api/v1/models/demo/traces/" + id).then().statusCode(200)
                .body("state", equalTo("succeeded")).body("result.answer", equalTo(" Paris"))
                .body("result.layers", equalTo(6)).body("result.subjectRange[1]", equalTo(3))
                .body("result.images.mlp", equalTo("/api/v1/models/demo/traces/" + id + "/mlp.png"))
                .extract().path("result.mlp");
        assertEquals(6, mlp.size());
        assertEquals(5, mlp.get(0).size(), "one value per token of \"The capital of France is\"");
        byte[] png = given().get("/api/v1/models/demo/traces/" + id + "/mlp.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        given().get("/api/v1/models/demo/traces/" + id + "/other.png").then().statusCode(404);
        assertEquals(before, RestApiTest.weightsHash(), "a trace leaves the weights as they were");
    }

    @Test
    void badTracesAreRefusedAtOnce() {
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(trace("The capital of Spain is", "France", null)).post("/api/v1/models/demo/traces")
                .then().statusCode(400).body("message", containsString("is not in the prompt"));
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(trace("The capital of {} is", "France", "Tokyo")).post("/api/v1/models/demo/traces")
                .then().statusCode(400).body("message", containsString("a trace needs at least"));
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(trace("The capital of {} is " + "and so on ".repeat(200), "France", null))
                .post("/api/v1/models/demo/traces").then().statusCode(400)
                .body("message", containsString("longer than the model's context"));
        given().header("Authorization", RestApiTest.TOKEN).contentType(ContentType.JSON)
                .body(trace("The capital of {} is", "France", null)).post("/api/v1/models/nosuch/traces")
                .then().statusCode(404);
        given().contentType(ContentType.JSON).body(trace("The capital of {} is", "France", null))
                .post("/api/v1/models/demo/traces").then().statusCode(401);
        given().get("/api/v1/models/demo/traces/t-nosuch").then().statusCode(404);
    }

    @Test
    void aTraceOverGrpc() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        try {
            Metadata token = new Metadata();
            token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer test-token");
            AmendGrpc.AmendBlockingStub stub = AmendGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token));
            TraceJob job = stub.submitTraceJob(TraceRequest.newBuilder().setModel("demo")
                    .setPrompt("The capital of {} is").setSubject("Germany").setSamples(3).build());
            TraceJob last = job;
            for (Iterator<TraceJob> it = stub.watchTraceJob(TraceJobRef.newBuilder().setModel("demo")
                    .setId(job.getId()).build()); it.hasNext(); ) {
                last = it.next();
            }
            assertEquals("succeeded", last.getState(), last.getError());
            assertEquals(6, last.getResult().getMlpCount());
            assertEquals(last.getResult().getTokensCount(), last.getResult().getMlp(0).getValuesCount());
            assertEquals(" Berlin", last.getResult().getAnswer());
            byte[] png = stub.getTraceHeatmap(TraceHeatmapRequest.newBuilder().setModel("demo").setId(job.getId())
                    .setKind("attention").build()).getPng().toByteArray();
            assertTrue(png.length > 1000);
            StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.submitTraceJob(
                    TraceRequest.newBuilder().setModel("demo").setPrompt("The capital of Spain is")
                            .setSubject("France").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> AmendGrpc
                    .newBlockingStub(channel).submitTraceJob(TraceRequest.newBuilder().setModel("demo")
                            .setPrompt("The capital of {} is").setSubject("France").build()));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }
}
