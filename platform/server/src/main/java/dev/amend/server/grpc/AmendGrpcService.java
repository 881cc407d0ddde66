package dev.amend.server.grpc;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.server.api.ApiTypes;
import dev.amend.server.api.MethodsResource;
import dev.amend.server.api.ModelsResource;
import dev.amend.server.api.PluginsResource;
import dev.amend.server.api.Views;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.editing.EditService;
import dev.amend.server.editing.Methods;
import dev.amend.server.editing.PluginDirectory;
import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.DeltaInfo;
import dev.amend.server.grpc.v1.EditEntry;
import dev.amend.server.grpc.v1.EditPoint;
import dev.amend.server.grpc.v1.EditRef;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.EvaluatorInfo;
import dev.amend.server.grpc.v1.ExportPatchRequest;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import dev.amend.server.grpc.v1.GenerateResponse;
import dev.amend.server.grpc.v1.Hyperparameter;
import dev.amend.server.grpc.v1.ImportPatchRequest;
import dev.amend.server.grpc.v1.InstallPluginRequest;
import dev.amend.server.grpc.v1.Job;
import dev.amend.server.grpc.v1.JobRef;
import dev.amend.server.grpc.v1.ListEditsResponse;
import dev.amend.server.grpc.v1.ListMethodsRequest;
import dev.amend.server.grpc.v1.ListMethodsResponse;
import dev.amend.server.grpc.v1.ListModelsRequest;
import dev.amend.server.grpc.v1.ListModelsResponse;
import dev.amend.server.grpc.v1.ListPluginsRequest;
import dev.amend.server.grpc.v1.ListPluginsResponse;
import dev.amend.server.grpc.v1.Method;
import dev.amend.server.grpc.v1.ModelDescription;
import dev.amend.server.grpc.v1.ModelRef;
import dev.amend.server.grpc.v1.ModelSummary;
import dev.amend.server.grpc.v1.Patch;
import dev.amend.server.grpc.v1.PluginInfo;
import dev.amend.server.grpc.v1.PluginRef;
import dev.amend.server.grpc.v1.ProvidedMethod;
import dev.amend.server.grpc.v1.RollbackRequest;
import dev.amend.server.grpc.v1.RollbackResponse;
import dev.amend.server.grpc.v1.Score;
import dev.amend.server.jobs.EditJob;
import dev.amend.server.jobs.EditJobs;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.spi.InvalidRequestException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The gRPC face of the host (service {@code amend.v1.Amend}): the same operations as the REST API. */
@GrpcService
public class AmendGrpcService extends AmendGrpc.AmendImplBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    @Inject
    HostedModels models;

    @Inject
    Methods methods;

    @Inject
    EditService edits;

    @Inject
    EditJobs jobs;

    @Inject
    PluginDirectory pluginDirectory;

    @Override
    @Blocking
    public void listPlugins(ListPluginsRequest request, StreamObserver<ListPluginsResponse> out) {
        unary(out, () -> plugins(PluginsResource.answer(methods)));
    }

    @Override
    @Blocking
    public void installPlugin(InstallPluginRequest request, StreamObserver<PluginInfo> out) {
        unary(out, () -> plugin(PluginsResource.view(pluginDirectory.install(request.getFile(),
                request.getContent().toByteArray()))));
    }

    @Override
    @Blocking
    public void removePlugin(PluginRef request, StreamObserver<ListPluginsResponse> out) {
        unary(out, () -> {
            pluginDirectory.remove(request.getFile());
            return plugins(PluginsResource.answer(methods));
        });
    }

    private static ListPluginsResponse plugins(ApiTypes.PluginsAnswer a) {
        ListPluginsResponse.Builder b = ListPluginsResponse.newBuilder().setDirectory(a.directory());
        a.plugins().forEach(p -> b.addPlugins(plugin(p)));
        a.retired().forEach(p -> b.addRetired(plugin(p)));
        return b.build();
    }

    private static PluginInfo plugin(ApiTypes.PluginView p) {
        PluginInfo.Builder b = PluginInfo.newBuilder().setFile(p.file()).setStatus(p.status()).setSize(p.size())
                .setLeases(p.leases());
        if (p.reason() != null) {
            b.setReason(p.reason());
        }
        if (p.loadedAt() != null) {
            b.setLoadedAt(p.loadedAt());
        }
        if (p.sha256() != null) {
            b.setSha256(p.sha256());
        }
        p.editors().forEach(x -> b.addEditors(ProvidedMethod.newBuilder().setName(x.name()).setVersion(x.version())));
        p.evaluators().forEach(x -> b.addEvaluators(ProvidedMethod.newBuilder().setName(x.name())
                .setVersion(x.version())));
        return b.build();
    }

    @Override
    @Blocking
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
        unary(out, () -> {
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            for (HostedModel m : models.all()) {
                b.addModels(ModelSummary.newBuilder().setName(m.name())
                        .setFamily(m.serving().architecture().family())
                        .setParameters(m.serving().architecture().parameters())
                        .setEdits(edits.entries(m.name()).size()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void describeModel(ModelRef request, StreamObserver<ModelDescription> out) {
        unary(out, () -> {
            HostedModel m = models.get(request.getModel());
            var a = m.serving().architecture();
            ModelDescription.Builder b = ModelDescription.newBuilder().setName(m.name()).setFamily(a.family())
                    .setLayers(a.layers()).setHiddenSize(a.hiddenSize()).setIntermediateSize(a.intermediateSize())
                    .setVocabSize(a.vocabSize()).setMaxContext(a.maxContext()).setParameters(a.parameters())
                    .setDtype(a.dtype()).setBaseHash(m.serving().baseHash()).setWeightsHash(m.weightsHash())
                    .setEdits(edits.entries(m.name()).size()).setSource(m.source()).setLedger(m.ledgerDescription());
            for (var p : a.editPoints()) {
                b.addEditPoints(EditPoint.newBuilder().setLayer(p.layer()).setWeight(p.weight())
                        .setInFeatures(p.inFeatures()).setOutFeatures(p.outFeatures()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void listMethods(ListMethodsRequest request, StreamObserver<ListMethodsResponse> out) {
        unary(out, () -> {
            ApiTypes.MethodsAnswer a = MethodsResource.list(methods, models, request.getModel());
            ListMethodsResponse.Builder b = ListMethodsResponse.newBuilder();
            for (ApiTypes.MethodView m : a.editors()) {
                Method.Builder mb = Method.newBuilder().setName(m.name()).setVersion(m.version())
                        .setDescription(m.description()).setDefaultsFor(m.defaultsFor()).setOrigin(m.origin());
                for (ApiTypes.HyperparameterView h : m.hyperparameters()) {
                    mb.addHyperparameters(Hyperparameter.newBuilder().setName(h.name()).setType(h.type())
                            .setDefaultJson(json(h.defaultValue())));
                }
                b.addEditors(mb);
            }
            for (ApiTypes.EvaluatorView e : a.evaluators()) {
                b.addEvaluators(EvaluatorInfo.newBuilder().setName(e.name()).setVersion(e.version())
                        .setProtocol(e.protocol()).setOrigin(e.origin()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> out) {
        unary(out, () -> {
            ApiTypes.GenerateAnswer a = ModelsResource.generate(models.get(request.getModel()), request.getPrompt(),
                    request.getMaxNewTokens(), request.getTemperature(), request.getTopK(), request.getSeed());
            GenerateResponse.Builder b = GenerateResponse.newBuilder().setText(a.text());
            for (int id : a.promptIds()) {
                b.addPromptIds(id);
            }
            for (int id : a.generatedIds()) {
                b.addGeneratedIds(id);
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void edit(EditRequest request, StreamObserver<EditResponse> out) {
        unary(out, () -> response(edits.edit(order(request))));
    }

    @Override
    @Blocking
    public void listEdits(ModelRef request, StreamObserver<ListEditsResponse> out) {
        unary(out, () -> list(edits.entries(request.getModel())));
    }

    @Override
    @Blocking
    public void getEdit(EditRef request, StreamObserver<EditEntry> out) {
        unary(out, () -> entry(edits.entry(request.getModel(), request.getId())));
    }

    @Override
    @Blocking
    public void rollbackEdits(RollbackRequest request, StreamObserver<RollbackResponse> out) {
        unary(out, () -> {
            EditService.Rollback r = edits.rollback(request.getModel(), request.getIdsList());
            ApiTypes.RollbackAnswer a = Views.rollback(r.result(), r.weightsHash());
            RollbackResponse.Builder b = RollbackResponse.newBuilder().addAllRolledBack(a.rolledBack())
                    .setRecomputed(a.recomputed()).setNote(a.note()).setWeightsHash(a.weightsHash())
                    .setRecomputedFromBase(a.recomputedFromBase()).addAllRestoredWeights(a.restoredWeights())
                    .addAllReapplied(a.reapplied()).addAllComputedOnTopOfRemoved(a.computedOnTopOfRemoved())
                    .setRemaining(a.remaining());
            if (a.warning() != null) {
                b.setWarning(a.warning());
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void exportPatch(ExportPatchRequest request, StreamObserver<Patch> out) {
        unary(out, () -> Patch.newBuilder()
                .setContent(ByteString.copyFrom(edits.exportPatch(request.getModel(), request.getIdsList()))).build());
    }

    @Override
    @Blocking
    public void importPatch(ImportPatchRequest request, StreamObserver<ListEditsResponse> out) {
        unary(out, () -> list(edits.importPatch(request.getModel(), request.getContent().toByteArray())));
    }

    @Override
    @Blocking
    public void submitEditJob(EditRequest request, StreamObserver<Job> out) {
        unary(out, () -> job(jobs.submit(order(request)).snapshot()));
    }

    @Override
    @Blocking
    public void getJob(JobRef request, StreamObserver<Job> out) {
        unary(out, () -> job(jobs.get(request.getId()).snapshot()));
    }

    @Override
    @Blocking
    public void cancelJob(JobRef request, StreamObserver<Job> out) {
        unary(out, () -> job(jobs.cancel(request.getId())));
    }

    @Override
    public void watchJob(JobRef request, StreamObserver<Job> out) {
        try {
            Cancellable subscription = jobs.watch(request.getId()).subscribe().with(
                    s -> out.onNext(job(s)), e -> out.onError(GrpcErrors.status(e)), out::onCompleted);
            if (out instanceof ServerCallStreamObserver<Job> server) {
                server.setOnCancelHandler(subscription::cancel);
            }
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.status(e));
        }
    }

    private static <T> void unary(StreamObserver<T> out, Supplier<T> work) {
        T value;
        try {
            value = work.get();
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.status(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    private static EditOrder order(EditRequest r) {
        Map<String, Object> hparams = Map.of();
        if (!r.getHparamsJson().isBlank()) {
            try {
                hparams = JSON.readValue(r.getHparamsJson(), MAP);
            } catch (Exception e) {
                throw new InvalidRequestException("hparams_json is not a JSON object: " + e.getMessage(), e);
            }
        }
        List<EditOrder.Fact> facts = new ArrayList<>();
        for (FactRequest f : r.getRequestsList()) {
            facts.add(new EditOrder.Fact(f.getPrompt(), f.getSubject(), f.getTarget(), f.getParaphrasesList(),
                    f.getNeighbourhoodMap()));
        }
        List<String> evaluators = r.getNoEvaluation() ? List.of()
                : r.getEvaluatorsCount() == 0 ? null : r.getEvaluatorsList();
        return new EditOrder(r.getModel(), r.getMethod(), facts, hparams, evaluators, r.getSeed());
    }

    private static EditResponse response(EditOutcome o) {
        EditResponse.Builder b = EditResponse.newBuilder().setId(o.entry().id()).addAllBefore(o.before())
                .addAllAfter(o.after()).setEdit(entry(o.entry()));
        for (dev.amend.spi.edit.Score s : o.scores()) {
            b.addScores(Score.newBuilder().setMetric(s.metric()).setProtocol(s.protocol()).setValue(s.value())
                    .setCount(s.count()));
        }
        return b.build();
    }

    private static ListEditsResponse list(List<LedgerEntry> entries) {
        ListEditsResponse.Builder b = ListEditsResponse.newBuilder();
        entries.forEach(e -> b.addEdits(entry(e)));
        return b.build();
    }

    private static EditEntry entry(LedgerEntry e) {
        ApiTypes.EditView v = Views.edit(e);
        EditEntry.Builder b = EditEntry.newBuilder().setId(v.id()).setMethod(v.method())
                .setMethodVersion(v.methodVersion()).setHyperparametersJson(json(v.hyperparameters()))
                .addAllContextTemplates(v.contextTemplates()).setRecordedAt(v.recordedAt());
        for (ApiTypes.RequestView r : v.requests()) {
            b.addRequests(FactRequest.newBuilder().setPrompt(r.prompt()).setSubject(r.subject())
                    .setTarget(r.target()).addAllParaphrases(r.paraphrases()));
        }
        for (ApiTypes.DeltaView d : v.deltas()) {
            b.addDeltas(DeltaInfo.newBuilder().setWeight(d.weight()).setKind(d.kind()).setRows(d.rows())
                    .setCols(d.cols()).setRank(d.rank()).setStoredFloats(d.storedFloats())
                    .setFrobeniusNorm(d.frobeniusNorm()));
        }
        for (Object s : v.scores()) {
            if (s instanceof Map<?, ?> m) {
                b.addScores(Score.newBuilder().setMetric(String.valueOf(m.get("metric")))
                        .setProtocol(String.valueOf(m.get("protocol")))
                        .setValue(m.get("value") instanceof Number n ? n.doubleValue() : Double.NaN)
                        .setCount(m.get("count") instanceof Number n ? n.intValue() : 0));
            }
        }
        v.before().forEach(x -> b.addBefore(String.valueOf(x)));
        v.after().forEach(x -> b.addAfter(String.valueOf(x)));
        return b.build();
    }

    private static Job job(EditJob.Snapshot s) {
        Job.Builder b = Job.newBuilder().setId(s.id()).setModel(s.model())
                .setState(s.state().name().toLowerCase(java.util.Locale.ROOT)).setStage(s.stage())
                .setDone(s.done()).setTotal(s.total());
        if (s.outcome() != null) {
            b.setResult(response(s.outcome()));
        }
        if (s.error() != null) {
            b.setError(s.error());
        }
        return b.build();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            return String.valueOf(value);
        }
    }
}
