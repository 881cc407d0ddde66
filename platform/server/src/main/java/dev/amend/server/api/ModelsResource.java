package dev.amend.server.api;

import dev.amend.server.api.ApiTypes.EditAnswer;
import dev.amend.server.api.ApiTypes.EditBody;
import dev.amend.server.api.ApiTypes.EditPointView;
import dev.amend.server.api.ApiTypes.EditView;
import dev.amend.server.api.ApiTypes.GenerateAnswer;
import dev.amend.server.api.ApiTypes.GenerateBody;
import dev.amend.server.api.ApiTypes.ModelDescription;
import dev.amend.server.api.ApiTypes.ModelSummary;
import dev.amend.server.api.ApiTypes.RollbackAnswer;
import dev.amend.runtime.ledger.PatchImport;
import dev.amend.server.editing.EditHistory;
import dev.amend.server.editing.EditService;
import dev.amend.server.model.Generations;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.ModelArchitecture;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** Models: list, describe, generate; and their edits: make, list, show, roll back, export, import. */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {
    @Inject
    HostedModels models;

    @Inject
    EditService edits;

    @Inject
    EditHistory history;

    @Inject
    Generations generations;

    /** Returns the served models. */
    @GET
    public List<ModelSummary> list() {
        return models.all().stream().map(m -> new ModelSummary(m.name(), m.serving().architecture().family(),
                m.serving().architecture().parameters(), history.entries(m.name()).size())).toList();
    }

    /** Returns one model's architecture, size, dtype, edit points and weight hashes. */
    @GET
    @Path("/{model}")
    public ModelDescription describe(@PathParam("model") String model) {
        HostedModel m = models.get(model);
        ModelArchitecture a = m.serving().architecture();
        List<EditPointView> points = a.editPoints().stream()
                .map(p -> new EditPointView(p.layer(), p.weight(), p.inFeatures(), p.outFeatures())).toList();
        return new ModelDescription(m.name(), a.family(), a.layers(), a.hiddenSize(), a.intermediateSize(),
                a.vocabSize(), a.maxContext(), a.parameters(), a.dtype(), points, m.serving().baseHash(),
                m.weightsHash(), history.entries(model).size(), m.source(), m.isolated(), m.ledgerDescription());
    }

    /** Returns a continuation of the prompt (greedy unless temperature > 0). */
    @POST
    @Path("/{model}/generate")
    @Consumes(MediaType.APPLICATION_JSON)
    public GenerateAnswer generate(@PathParam("model") String model,
                                   @Valid @NotNull(message = "send a JSON body {\"prompt\", \"maxNewTokens\"}") GenerateBody body) {
        Generations.Generated g = generations.generate(model, body.prompt(),
                body.maxNewTokens() == null ? 32 : body.maxNewTokens(), body.temperature() == null ? 0 : body.temperature(),
                body.topK() == null ? 0 : body.topK(), body.seed() == null ? 0 : body.seed());
        GenerationResult r = g.result();
        return new GenerateAnswer(r.text(), r.promptIds(), r.generatedIds(), g.stopReason(), g.note());
    }

    /**
     * Makes an edit: 201 with its id, the answers before and after, and the scores. A request repeating an earlier
     * one's {@code Idempotency-Key} gets that request's answer (with {@code Idempotent-Replayed: true}) and changes
     * nothing; the same key with a different edit is refused with 422.
     */
    @POST
    @Path("/{model}/edits")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response edit(@PathParam("model") String model, @HeaderParam("Idempotency-Key") String key,
                         @Valid @NotNull(message = "send a JSON body {\"method\", \"requests\"}") EditBody body) {
        models.get(model);
        EditAnswer a = Views.answer(edits.edit(Views.order(model, body.method(), body.requests(), body.hparams(),
                body.evaluators(), body.seed(), key)));
        Response.ResponseBuilder r = Response.created(URI.create("/api/v1/models/" + model + "/edits/" + a.id()))
                .entity(a);
        if (Boolean.TRUE.equals(a.replayed())) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }

    /** Returns the applied edits, oldest first. */
    @GET
    @Path("/{model}/edits")
    public List<EditView> edits(@PathParam("model") String model) {
        return history.entries(model).stream().map(Views::edit).toList();
    }

    /** Returns one applied edit. */
    @GET
    @Path("/{model}/edits/{id}")
    public EditView edit(@PathParam("model") String model, @PathParam("id") String id) {
        return Views.edit(history.entry(model, id));
    }

    /** Rolls an edit back; says whether later edits had to be recomputed. */
    @DELETE
    @Path("/{model}/edits/{id}")
    public RollbackAnswer rollback(@PathParam("model") String model, @PathParam("id") String id) {
        return Views.rollback(history.rollback(model, List.of(id)));
    }

    /** Rolls back several edits at once ({@code ?ids=a,b}); says whether later edits had to be recomputed. */
    @DELETE
    @Path("/{model}/edits")
    public RollbackAnswer rollbackSeveral(@PathParam("model") String model, @QueryParam("ids") String ids) {
        return Views.rollback(history.rollback(model, idList(ids, "name the edits to roll back: ?ids=ID1,ID2")));
    }

    /** Returns several applied edits ({@code ?ids=a,b}; all when omitted) as one patch file. */
    @GET
    @Path("/{model}/patch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response patchOfSeveral(@PathParam("model") String model, @QueryParam("ids") String ids) {
        byte[] bytes = history.exportPatch(model, ids == null || ids.isBlank() ? List.of() : idList(ids, ""));
        return Response.ok(bytes).header("Content-Disposition", "attachment; filename=\"" + model
                + ".amendpatch\"").build();
    }

    private static List<String> idList(String ids, String whenEmpty) {
        List<String> out = ids == null ? List.of()
                : java.util.Arrays.stream(ids.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
        if (out.isEmpty()) {
            throw new InvalidRequestException(whenEmpty);
        }
        return out;
    }

    /** Returns the edit as a patch file. */
    @GET
    @Path("/{model}/edits/{id}/patch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response patch(@PathParam("model") String model, @PathParam("id") String id) {
        byte[] bytes = history.exportPatch(model, List.of(id));
        return Response.ok(bytes).header("Content-Disposition", "attachment; filename=\"" + model + "-" + id
                + ".amendpatch\"").build();
    }

    /**
     * Imports a patch (made on a host with the same base model): 201 with the edits it added. Edits the history holds
     * already are skipped; the {@code Amend-Message} header then says which, and {@code Amend-Skipped} lists their ids
     * (no headers when every edit was added). With {@code report=true} the body is the whole account instead: the
     * edits {@code added}, the ids {@code skipped} and the {@code message}.
     */
    @POST
    @Path("/{model}/patches")
    @Consumes({MediaType.APPLICATION_OCTET_STREAM, "application/zip", MediaType.APPLICATION_JSON})
    public Response importPatch(@PathParam("model") String model, @QueryParam("report") boolean report,
                                byte[] patch) {
        PatchImport imported = history.importPatch(model, patch);
        Object body = report ? Views.patchImport(imported) : imported.added().stream().map(Views::edit).toList();
        Response.ResponseBuilder r = Response.status(Response.Status.CREATED).entity(body);
        if (imported.message() != null) {
            r.header("Amend-Message", imported.message());
            r.header("Amend-Skipped", String.join(",", imported.skipped()));
        }
        return r.build();
    }
}
