package dev.amend.server.grpc;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amend.runtime.editing.EditFact;
import dev.amend.runtime.editing.EditNotes;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.runtime.plugins.PluginInfo.Provided;
import dev.amend.server.editing.DeltaSummary;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.editing.MethodListing;
import dev.amend.server.editing.PluginListing;
import dev.amend.server.editing.RecordedEdit;
import dev.amend.server.editing.RollbackOutcome;
import dev.amend.server.grpc.v1.AdapterInfo;
import dev.amend.server.grpc.v1.DeltaInfo;
import dev.amend.server.grpc.v1.EditEntry;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.EditResponse;
import dev.amend.server.grpc.v1.EvaluatorInfo;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.Hyperparameter;
import dev.amend.server.grpc.v1.Job;
import dev.amend.server.grpc.v1.ListEditsResponse;
import dev.amend.server.grpc.v1.ListMethodsResponse;
import dev.amend.server.grpc.v1.ListPluginsResponse;
import dev.amend.server.grpc.v1.Method;
import dev.amend.server.grpc.v1.PluginInfo;
import dev.amend.server.grpc.v1.ProvidedMethod;
import dev.amend.server.grpc.v1.RollbackResponse;
import dev.amend.server.grpc.v1.Score;
import dev.amend.spi.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The gRPC messages of the host's domain objects, and the edit order of a gRPC request. */
final class GrpcMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private GrpcMessages() {
    }

    /** Returns the methods of {@code l} with their defaults, and the evaluators. */
    static ListMethodsResponse methods(MethodListing l) {
        ListMethodsResponse.Builder b = ListMethodsResponse.newBuilder();
        for (MethodInfo m : l.editors()) {
            Method.Builder mb = Method.newBuilder().setName(m.name()).setVersion(m.version())
                    .setDescription(m.description()).setDefaultsFor(l.defaultsFor()).setOrigin(m.origin());
            for (var h : m.hyperparameters()) {
                mb.addHyperparameters(Hyperparameter.newBuilder().setName(h.name()).setType(h.type())
                        .setDefaultJson(json(h.defaultValue())));
            }
            b.addEditors(mb);
        }
        for (MethodInfo e : l.evaluators()) {
            b.addEvaluators(EvaluatorInfo.newBuilder().setName(e.name()).setVersion(e.version())
                    .setProtocol(e.protocol()).setOrigin(e.origin()));
        }
        return b.build();
    }

    /** Returns the answer to a rollback. */
    static RollbackResponse rollback(RollbackOutcome o) {
        var r = o.result();
        RollbackResponse.Builder b = RollbackResponse.newBuilder().addAllRolledBack(r.removed())
                .setRecomputed(r.recomputedFromBase()).setNote(o.note()).setWeightsHash(o.weightsHash())
                .setRecomputedFromBase(r.recomputedFromBase()).addAllRestoredWeights(r.restoredWeights())
                .addAllReapplied(r.reapplied()).addAllComputedOnTopOfRemoved(r.computedOnTopOfRemoved())
                .setRemaining(r.remaining());
        if (r.warning() != null) {
            b.setWarning(r.warning());
        }
        return b.build();
    }

    /** Returns the plugins directory and its jars. */
    static ListPluginsResponse plugins(PluginListing l) {
        ListPluginsResponse.Builder b = ListPluginsResponse.newBuilder().setDirectory(l.directory().toString());
        l.plugins().forEach(p -> b.addPlugins(plugin(p)));
        l.retired().forEach(p -> b.addRetired(plugin(p)));
        return b.build();
    }

    /** Returns one plugin jar. */
    static PluginInfo plugin(dev.amend.runtime.plugins.PluginInfo p) {
        PluginInfo.Builder b = PluginInfo.newBuilder().setFile(p.file().getFileName().toString())
                .setStatus(p.status().name()).setSize(p.size()).setLeases(p.leases());
        if (p.reason() != null) {
            b.setReason(p.reason());
        }
        if (p.loadedAt() != null) {
            b.setLoadedAt(p.loadedAt().toString());
        }
        if (p.sha256() != null) {
            b.setSha256(p.sha256());
        }
        p.editors().forEach(x -> b.addEditors(provided(x)));
        p.evaluators().forEach(x -> b.addEvaluators(provided(x)));
        p.adapterKinds().forEach(x -> b.addAdapterKinds(provided(x)));
        return b.build();
    }

    private static ProvidedMethod provided(Provided x) {
        return ProvidedMethod.newBuilder().setName(x.name()).setVersion(x.version()).build();
    }

    /** Returns the edit order of a gRPC edit request. */
    static EditOrder order(EditRequest r) {
        Map<String, Object> hparams = Map.of();
        if (!r.getHparamsJson().isBlank()) {
            try {
                hparams = JSON.readValue(r.getHparamsJson(), MAP);
            } catch (Exception e) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                        ? dev.amend.server.api.JsonMessages.clean(j.getOriginalMessage()) : "it cannot be read";
                throw new InvalidRequestException("hparams_json is not a JSON object: " + why, e);
            }
        }
        List<EditFact> facts = new ArrayList<>();
        for (FactRequest f : r.getRequestsList()) {
            facts.add(new EditFact(f.getPrompt(), f.getSubject(), f.getTarget(), f.getParaphrasesList(),
                    f.getNeighbourhoodMap()));
        }
        List<String> evaluators = r.getNoEvaluation() ? List.of()
                : r.getEvaluatorsCount() == 0 ? null : r.getEvaluatorsList();
        return new EditOrder(r.getModel(), r.getMethod(), facts, hparams, evaluators, r.getSeed(),
                r.getRequestId().isEmpty() ? null : r.getRequestId());
    }

    /** Returns the answer to a finished edit. */
    static EditResponse response(EditOutcome o) {
        EditNotes notes = EditNotes.of(o.entry().edit());
        EditResponse.Builder b = EditResponse.newBuilder().setId(o.entry().id()).addAllBefore(o.before())
                .addAllAfter(o.after()).setEdit(entry(o.entry())).setReplayed(o.replayed())
                .addAllWarnings(notes.warnings()).setNonFiniteSteps(notes.nonFiniteSteps());
        o.scores().forEach(s -> b.addScores(score(s)));
        return b.build();
    }

    /**
     * Returns the entries an import added, with the ids it skipped because the history held them already and its
     * message saying so.
     */
    static ListEditsResponse imported(dev.amend.runtime.ledger.PatchImport report) {
        ListEditsResponse.Builder b = list(report.added()).toBuilder().addAllSkipped(report.skipped());
        if (report.message() != null) {
            b.setMessage(report.message());
        }
        return b.build();
    }

    /** Returns the listing of ledger entries. */
    static ListEditsResponse list(List<LedgerEntry> entries) {
        ListEditsResponse.Builder b = ListEditsResponse.newBuilder();
        entries.forEach(e -> b.addEdits(entry(e)));
        return b.build();
    }

    /** Returns an applied edit as the ledger holds it. */
    static EditEntry entry(LedgerEntry entry) {
        RecordedEdit e = RecordedEdit.of(entry);
        EditEntry.Builder b = EditEntry.newBuilder().setId(e.id()).setMethod(e.edit().method())
                .setMethodVersion(e.edit().methodVersion()).setHyperparametersJson(json(e.edit().hyperparameters()))
                .addAllContextTemplates(e.edit().contextTemplates()).setRecordedAt(e.recordedAt().toString());
        for (var r : e.edit().requests()) {
            b.addRequests(FactRequest.newBuilder().setPrompt(r.prompt()).setSubject(r.subject())
                    .setTarget(r.target()).addAllParaphrases(r.paraphrases()));
        }
        for (DeltaSummary d : e.deltas()) {
            b.addDeltas(DeltaInfo.newBuilder().setWeight(d.weight()).setKind(d.kind()).setRows(d.rows())
                    .setCols(d.cols()).setRank(d.rank()).setStoredFloats(d.storedFloats())
                    .setFrobeniusNorm(d.frobeniusNorm()));
        }
        e.info().scores().forEach(s -> b.addScores(score(s)));
        b.addAllBefore(e.info().before());
        b.addAllAfter(e.info().after());
        for (var a : e.edit().adapters()) {
            b.addAdapters(AdapterInfo.newBuilder().setId(a.id()).setKind(a.kind()).setLayer(a.layer())
                    .setStoredFloats(a.storedFloats()));
        }
        EditNotes notes = EditNotes.of(e.edit());
        b.addAllWarnings(notes.warnings()).setNonFiniteSteps(notes.nonFiniteSteps());
        return b.build();
    }

    private static Score score(dev.amend.spi.edit.Score s) {
        return Score.newBuilder().setMetric(s.metric()).setProtocol(s.protocol()).setValue(s.value())
                .setCount(s.count()).build();
    }

    /** Returns a job at one moment. */
    static Job job(dev.amend.server.jobs.Job.Snapshot<EditOutcome> s) {
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

    /** Returns {@code value} as JSON (its string form when it cannot be written). */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            return String.valueOf(value);
        }
    }
}
