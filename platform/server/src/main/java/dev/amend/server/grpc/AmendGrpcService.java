package dev.amend.server.grpc;

import static dev.amend.server.grpc.GrpcMessages.entry;
import static dev.amend.server.grpc.GrpcMessages.job;
import static dev.amend.server.grpc.GrpcMessages.list;
import static dev.amend.server.grpc.GrpcMessages.order;
import static dev.amend.server.grpc.GrpcMessages.plugin;
import static dev.amend.server.grpc.GrpcMessages.plugins;
import static dev.amend.server.grpc.GrpcMessages.response;

import com.google.protobuf.ByteString;
import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.runtime.trace.TraceHeatmaps;
import dev.amend.server.editing.EditHistory;
import dev.amend.server.editing.EditService;
import dev.amend.server.editing.Methods;
import dev.amend.server.editing.PluginDirectory;
import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditEntry;
import dev.amend.server.grpc.v1.EditPoint;
import dev.amend.server.grpc.v1.EditRef;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.ExportPatchRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import dev.amend.server.grpc.v1.GenerateResponse;
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
import dev.amend.server.grpc.v1.ModelDescription;
import dev.amend.server.grpc.v1.ModelRef;
import dev.amend.server.grpc.v1.ModelSummary;
import dev.amend.server.grpc.v1.Patch;
import dev.amend.server.grpc.v1.PluginInfo;
import dev.amend.server.grpc.v1.PluginRef;
import dev.amend.server.grpc.v1.RollbackRequest;
import dev.amend.server.grpc.v1.RollbackResponse;
import dev.amend.server.grpc.v1.TraceHeatmap;
import dev.amend.server.grpc.v1.TraceHeatmapRequest;
import dev.amend.server.grpc.v1.TraceJob;
import dev.amend.server.grpc.v1.TraceJobRef;
import dev.amend.server.grpc.v1.TraceRequest;
import dev.amend.server.jobs.EditJobs;
import dev.amend.server.jobs.TraceJobs;
import dev.amend.server.model.Generations;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.spi.model.GenerationResult;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.util.function.Function;
import java.util.function.Supplier;

/** The gRPC face of the host (service {@code amend.v1.Amend}): the same operations as the REST API. */
@GrpcService
public class AmendGrpcService extends AmendGrpc.AmendImplBase {
    @Inject
    HostedModels models;

    @Inject
    Methods methods;

    @Inject
    EditService edits;

    @Inject
    EditHistory history;

    @Inject
    Generations generations;

    @Inject
    EditJobs jobs;

    @Inject
    PluginDirectory pluginDirectory;

    @Inject
    TraceJobs traces;

    @Override
    @Blocking
    public void listPlugins(ListPluginsRequest request, StreamObserver<ListPluginsResponse> out) {
        unary(out, () -> plugins(methods.pluginListing()));
    }

    @Override
    @Blocking
    public void installPlugin(InstallPluginRequest request, StreamObserver<PluginInfo> out) {
        unary(out, () -> plugin(pluginDirectory.install(request.getFile(), request.getContent().toByteArray())));
    }

    @Override
    @Blocking
    public void removePlugin(PluginRef request, StreamObserver<ListPluginsResponse> out) {
        unary(out, () -> {
            pluginDirectory.remove(request.getFile());
            return plugins(methods.pluginListing());
        });
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
                        .setEdits(history.entries(m.name()).size()));
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
                    .setEdits(history.entries(m.name()).size()).setSource(m.source()).setLedger(m.ledgerDescription());
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
            return GrpcMessages.methods(methods.listing(models.getOrFirst(request.getModel())));
        });
    }

    @Override
    @Blocking
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> out) {
        unary(out, () -> {
            Generations.Generated g = generations.generate(request.getModel(), request.getPrompt(),
                    request.getMaxNewTokens(), request.getTemperature(), request.getTopK(), request.getSeed());
            GenerationResult a = g.result();
            GenerateResponse.Builder b = GenerateResponse.newBuilder().setText(a.text()).setStopReason(g.stopReason());
            if (g.note() != null) {
                b.setNote(g.note());
            }
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
        unary(out, () -> list(history.entries(request.getModel())));
    }

    @Override
    @Blocking
    public void getEdit(EditRef request, StreamObserver<EditEntry> out) {
        unary(out, () -> entry(history.entry(request.getModel(), request.getId())));
    }

    @Override
    @Blocking
    public void rollbackEdits(RollbackRequest request, StreamObserver<RollbackResponse> out) {
        unary(out, () -> {
            return GrpcMessages.rollback(history.rollback(request.getModel(), request.getIdsList()));
        });
    }

    @Override
    @Blocking
    public void exportPatch(ExportPatchRequest request, StreamObserver<Patch> out) {
        unary(out, () -> Patch.newBuilder()
                .setContent(ByteString.copyFrom(history.exportPatch(request.getModel(), request.getIdsList()))).build());
    }

    @Override
    @Blocking
    public void importPatch(ImportPatchRequest request, StreamObserver<ListEditsResponse> out) {
        unary(out, () -> GrpcMessages.imported(history.importPatch(request.getModel(),
                request.getContent().toByteArray())));
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
        stream(out, () -> jobs.watch(request.getId()), GrpcMessages::job);
    }

    @Override
    @Blocking
    public void submitTraceJob(TraceRequest request, StreamObserver<TraceJob> out) {
        unary(out, () -> GrpcTraces.job(traces.submit(request.getModel(), GrpcTraces.request(request),
                GrpcTraces.settings(request)).snapshot()));
    }

    @Override
    @Blocking
    public void getTraceJob(TraceJobRef request, StreamObserver<TraceJob> out) {
        unary(out, () -> GrpcTraces.job(traces.get(request.getModel(), request.getId()).snapshot()));
    }

    @Override
    @Blocking
    public void cancelTraceJob(TraceJobRef request, StreamObserver<TraceJob> out) {
        unary(out, () -> GrpcTraces.job(traces.cancel(request.getModel(), request.getId())));
    }

    @Override
    public void watchTraceJob(TraceJobRef request, StreamObserver<TraceJob> out) {
        stream(out, () -> traces.watch(request.getModel(), request.getId()), GrpcTraces::job);
    }

    @Override
    @Blocking
    public void getTraceHeatmap(TraceHeatmapRequest request, StreamObserver<TraceHeatmap> out) {
        unary(out, () -> {
            TraceKind kind = GrpcTraces.kind(request.getKind());
            dev.amend.server.jobs.Job.Snapshot<Trace> s = traces.get(request.getModel(), request.getId()).snapshot();
            if (s.outcome() == null) {
                throw Status.FAILED_PRECONDITION.withDescription("trace " + s.id() + " is "
                        + s.state().name().toLowerCase(java.util.Locale.ROOT)
                        + ": its heatmaps exist once it has succeeded").asRuntimeException();
            }
            return TraceHeatmap.newBuilder().setPng(ByteString.copyFrom(TraceHeatmaps.png(s.outcome(), kind)))
                    .build();
        });
    }

    /** Sends each state {@code states} emits as a message until it completes; a cancelled call stops it. */
    private static <S, M> void stream(StreamObserver<M> out, Supplier<Multi<S>> states, Function<S, M> message) {
        try {
            Cancellable subscription = states.get().subscribe().with(
                    s -> out.onNext(message.apply(s)), e -> out.onError(GrpcErrors.status(e)), out::onCompleted);
            if (out instanceof ServerCallStreamObserver<M> server) {
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
        } catch (RuntimeException | Error e) {
            out.onError(GrpcErrors.status(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
