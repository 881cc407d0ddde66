package dev.amend.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRef;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.ExportPatchRequest;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import dev.amend.server.grpc.v1.ImportPatchRequest;
import dev.amend.server.grpc.v1.Job;
import dev.amend.server.grpc.v1.JobRef;
import dev.amend.server.grpc.v1.ListMethodsRequest;
import dev.amend.server.grpc.v1.ListModelsRequest;
import dev.amend.server.grpc.v1.ModelRef;
import dev.amend.server.grpc.v1.RollbackRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC API on the HTTP port, through a plain grpc-java channel and the generated blocking stub. */
@QuarkusTest
class GrpcApiTest {
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

    static EditRequest edit(String subject, String target) {
        return EditRequest.newBuilder().setModel("demo").setMethod("rome").setHparamsJson("{\"v_num_grad_steps\": 20}")
                .addRequests(FactRequest.newBuilder().setPrompt("The capital of {} is").setSubject(subject)
                        .setTarget(target))
                .build();
    }

    String weightsHash() {
        return anonymous.describeModel(ModelRef.newBuilder().setModel("demo").build()).getWeightsHash();
    }

    @Test
    void everyOperationOverGrpc() {
        assertEquals("demo", anonymous.listModels(ListModelsRequest.getDefaultInstance()).getModels(0).getName());
        assertTrue(anonymous.listMethods(ListMethodsRequest.getDefaultInstance()).getEditorsList().stream()
                .anyMatch(m -> m.getName().equals("rome")));
        String text = anonymous.generate(GenerateRequest.newBuilder().setModel("demo")
                .setPrompt("The capital of France is").setMaxNewTokens(3).build()).getText();
        assertTrue(text.contains("Paris"), text);
        String before = weightsHash();

        Job submitted = authorised.submitEditJob(edit("Germany", "Rome"));
        Iterator<Job> stream = anonymous.watchJob(JobRef.newBuilder().setId(submitted.getId()).build());
        List<Job> states = new ArrayList<>();
        stream.forEachRemaining(states::add);
        Job last = states.get(states.size() - 1);
        assertEquals("succeeded", last.getState(), last.getError());
        assertTrue(states.stream().anyMatch(j -> j.getState().equals("running")));
        EditResponse done = last.getResult();
        assertTrue(done.getAfter(0).contains("Rome"), done.getAfter(0));
        String edited = weightsHash();
        assertNotEquals(before, edited);

        assertEquals(done.getId(), anonymous.listEdits(ModelRef.newBuilder().setModel("demo").build())
                .getEditsList().stream().filter(e -> e.getId().equals(done.getId())).findFirst().orElseThrow().getId());
        assertEquals("rome", anonymous.getEdit(EditRef.newBuilder().setModel("demo").setId(done.getId()).build())
                .getMethod());
        byte[] patch = anonymous.exportPatch(ExportPatchRequest.newBuilder().setModel("demo").addIds(done.getId())
                .build()).getContent().toByteArray();
        var rolled = authorised.rollbackEdits(RollbackRequest.newBuilder().setModel("demo").addIds(done.getId()).build());
        assertEquals(before, rolled.getWeightsHash());
        assertFalse(rolled.getNote().isBlank());
        String imported = authorised.importPatch(ImportPatchRequest.newBuilder().setModel("demo")
                .setContent(com.google.protobuf.ByteString.copyFrom(patch)).build()).getEdits(0).getId();
        assertEquals(edited, weightsHash());
        authorised.rollbackEdits(RollbackRequest.newBuilder().setModel("demo").addIds(imported).build());
        assertEquals(before, weightsHash());
    }

    String answer(String subject) {
        return anonymous.generate(GenerateRequest.newBuilder().setModel("demo")
                .setPrompt("The capital of " + subject + " is").setMaxNewTokens(2).build()).getText();
    }

    @Test
    void graceEditsShowTheirAdaptersAndRollBackAndTravelOverGrpc() {
        String original = answer("Germany");
        EditResponse done = authorised.edit(edit("Germany", " Rome").toBuilder().setMethod("grace")
                .setHparamsJson("{}").build());
        assertTrue(done.getAfter(0).startsWith(" Rome"), done.getAfter(0));
        assertTrue(answer("Germany").startsWith(" Rome"), answer("Germany"));
        assertEquals(0, done.getEdit().getDeltasCount(), "GRACE changes no weight");
        assertEquals(1, done.getEdit().getAdaptersCount());
        var adapter = done.getEdit().getAdapters(0);
        assertEquals("grace-codebook", adapter.getKind());
        assertFalse(adapter.getId().isBlank());
        assertTrue(adapter.getStoredFloats() > 0);
        var shown = anonymous.getEdit(EditRef.newBuilder().setModel("demo").setId(done.getId()).build());
        assertEquals("grace", shown.getMethod());
        assertEquals(List.of(adapter), shown.getAdaptersList(), "GetEdit lists the edit's adapters as Edit did");
        assertEquals(List.of(adapter), anonymous.listEdits(ModelRef.newBuilder().setModel("demo").build())
                .getEdits(0).getAdaptersList());

        byte[] patch = anonymous.exportPatch(ExportPatchRequest.newBuilder().setModel("demo").addIds(done.getId())
                .build()).getContent().toByteArray();
        authorised.rollbackEdits(RollbackRequest.newBuilder().setModel("demo").addIds(done.getId()).build());
        assertEquals(original, answer("Germany"), "the rolled-back codebook entry no longer answers");
        var imported = authorised.importPatch(ImportPatchRequest.newBuilder().setModel("demo")
                .setContent(com.google.protobuf.ByteString.copyFrom(patch)).build()).getEdits(0);
        assertEquals(adapter.getKind(), imported.getAdapters(0).getKind());
        assertEquals(adapter.getLayer(), imported.getAdapters(0).getLayer());
        assertTrue(answer("Germany").startsWith(" Rome"), "the imported adapter answers again");
    }

    @Test
    void refusalsCarryTheRightStatus() {
        String before = weightsHash();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> anonymous.edit(edit("Peru", "Oslo")));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(edit("Peru", "")));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("target"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(edit("Peru", "Oslo").toBuilder()
                .setMethod("nosuch").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("rome"));
        e = assertThrows(StatusRuntimeException.class, () -> authorised.edit(edit("Peru", "Oslo").toBuilder()
                .setHparamsJson("{\"layers\": [42]}").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> anonymous.describeModel(
                ModelRef.newBuilder().setModel("nosuch").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> anonymous.cancelJob(JobRef.newBuilder().setId("j").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals(before, weightsHash());
    }
}
