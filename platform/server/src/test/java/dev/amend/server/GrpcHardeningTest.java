package dev.amend.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import dev.amend.server.grpc.v1.GenerateResponse;
import dev.amend.server.grpc.v1.ImportPatchRequest;
import dev.amend.server.grpc.v1.ListEditsResponse;
import dev.amend.server.grpc.v1.ListPluginsRequest;
import dev.amend.server.grpc.v1.ModelDescription;
import dev.amend.server.grpc.v1.ModelRef;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** gRPC gets the limits REST has, idempotent edits through request_id, and status messages sent once encoded. */
@QuarkusTest
class GrpcHardeningTest {
    @TestHTTPResource
    URL url;

    GrpcClients clients;
    AmendGrpc.AmendBlockingStub anonymous;
    AmendGrpc.AmendBlockingStub authorised;

    @BeforeEach
    void connect() {
        clients = GrpcClients.open(url);
        anonymous = clients.anonymous();
        authorised = clients.authorised();
    }

    @AfterEach
    void close() {
        RestApiTest.rollbackAll();
        clients.close();
    }

    static GenerateRequest.Builder generation(String prompt) {
        return GenerateRequest.newBuilder().setModel("demo").setPrompt(prompt).setMaxNewTokens(2);
    }

    StatusRuntimeException refusedGeneration(GenerateRequest r) {
        return assertThrows(StatusRuntimeException.class, () -> anonymous.generate(r));
    }

    @Test
    void generateHasTheSameLimitsAsRest() {
        long t0 = System.nanoTime();
        StatusRuntimeException e = refusedGeneration(generation("word ".repeat(2_000_000)).build());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "a 10 MB prompt is refused before it is tokenized");
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("amend.generate.max-prompt-chars"),
                e.getStatus().getDescription());
        e = refusedGeneration(generation("x".repeat(20_001)).build());
        assertTrue(e.getStatus().getDescription().contains("20001 characters: at most 20000"),
                e.getStatus().getDescription());
        for (double t : new double[] {Double.POSITIVE_INFINITY, Double.NaN, -1, 101}) {
            e = refusedGeneration(generation("Hi").setTemperature(t).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "temperature " + t);
            assertTrue(e.getStatus().getDescription().contains("temperature"), e.getStatus().getDescription());
        }
        e = refusedGeneration(generation("Hi").setMaxNewTokens(5000).build());
        assertTrue(e.getStatus().getDescription().contains("maxNewTokens must be <= 1024"));
        GenerateResponse ok = anonymous.generate(generation("The capital of France is").build());
        assertEquals("max_new_tokens", ok.getStopReason());
    }

    @Test
    void editTextsAreLimitedInCharactersBeforeTokenizing() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(
                GrpcApiTest.edit("France", "Rome".repeat(2_000_000))));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("amend.edit.max-target-chars"),
                e.getStatus().getDescription());
    }

    @Test
    void statusMessagesArriveAsWritten() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(
                GrpcApiTest.edit("Zürich 100%", "Rome").toBuilder().setRequests(0, FactRequest.newBuilder()
                        .setPrompt("The capital of Spain is").setSubject("Zürich 100% →").setTarget("Rome")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("\"Zürich 100% →\" is not in the prompt"),
                e.getStatus().getDescription());
    }

    @Test
    void aRetriedEditWithTheSameRequestIdReturnsTheFirstResult() {
        EditRequest request = GrpcApiTest.edit("Japan", "Lima").toBuilder().setNoEvaluation(true)
                .setRequestId("grpc-retry-1").build();
        EditResponse first = authorised.edit(request);
        assertFalse(first.getReplayed());
        EditResponse again = authorised.edit(request);
        assertTrue(again.getReplayed());
        assertEquals(first.getId(), again.getId());
        assertEquals(first.getAfterList(), again.getAfterList());
        assertEquals(1, anonymous.listEdits(ModelRef.newBuilder().setModel("demo").build()).getEditsCount());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(
                request.toBuilder().setSeed(3).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    }

    @Test
    void reimportingAPatchSaysNothingChanged() {
        EditResponse edit = authorised.edit(GrpcApiTest.edit("Egypt", "Lima").toBuilder().setNoEvaluation(true)
                .build());
        byte[] patch = anonymous.exportPatch(dev.amend.server.grpc.v1.ExportPatchRequest.newBuilder().setModel("demo")
                .addIds(edit.getId()).build()).getContent().toByteArray();
        ListEditsResponse again = authorised.importPatch(ImportPatchRequest.newBuilder().setModel("demo")
                .setContent(com.google.protobuf.ByteString.copyFrom(patch)).build());
        assertEquals(0, again.getEditsCount());
        assertTrue(again.getMessage().contains("already in the history"), again.getMessage());
        assertEquals(java.util.List.of(edit.getId()), again.getSkippedList());
    }

    @Test
    void unauthenticatedCallsShowNoServerPaths() {
        ModelDescription d = anonymous.describeModel(ModelRef.newBuilder().setModel("demo").build());
        assertFalse(d.getSource().contains("/") || d.getLedger().contains("/"), d.toString());
        assertTrue(d.getLedger().startsWith("durable ("), d.getLedger());
        assertFalse(anonymous.listPlugins(ListPluginsRequest.getDefaultInstance()).getDirectory().contains("/"));
        assertTrue(authorised.describeModel(ModelRef.newBuilder().setModel("demo").build()).getLedger().contains("/"));
    }
}
