package dev.amend.server.grpc;

import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.kit.trace.TraceRequest;
import dev.amend.kit.trace.TraceSettings;
import dev.amend.server.grpc.v1.DoubleRow;
import dev.amend.server.grpc.v1.TraceJob;
import dev.amend.server.grpc.v1.TraceResult;
import dev.amend.server.jobs.Job;
import dev.amend.spi.InvalidRequestException;
import java.util.Locale;

/** Turns trace requests and jobs into the gRPC messages and back. */
final class GrpcTraces {
    private GrpcTraces() {
    }

    /** Returns the trace asked for (empty target: the model's own answer). */
    static TraceRequest request(dev.amend.server.grpc.v1.TraceRequest r) {
        return new TraceRequest(r.getPrompt(), r.getSubject(), r.getTarget().isEmpty() ? null : r.getTarget());
    }

    /** Returns the settings asked for; zeros take ROME's. */
    static TraceSettings settings(dev.amend.server.grpc.v1.TraceRequest r) {
        TraceSettings d = TraceSettings.DEFAULTS;
        if (r.getSamples() > 100) {
            throw new InvalidRequestException("samples must be <= 100, not " + r.getSamples());
        }
        return new TraceSettings(r.getSamples() == 0 ? d.samples() : r.getSamples(),
                r.getNoise() == 0 ? d.noise() : r.getNoise(), r.getWindow(), r.getSeed() == 0 ? d.seed() : r.getSeed(),
                Double.NaN);
    }

    /** Returns the kind called {@code id} (residual, mlp, attention), or throws naming them. */
    static TraceKind kind(String id) {
        for (TraceKind k : TraceKind.values()) {
            if (k.id().equals(id.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new InvalidRequestException("no heatmap kind \"" + id + "\": use residual, mlp or attention");
    }

    /** Returns a trace job at one moment. */
    static TraceJob job(Job.Snapshot<Trace> s) {
        TraceJob.Builder b = TraceJob.newBuilder().setId(s.id()).setModel(s.model())
                .setState(s.state().name().toLowerCase(Locale.ROOT)).setStage(s.stage()).setDone(s.done())
                .setTotal(s.total());
        if (s.outcome() != null) {
            b.setResult(result(s.outcome()));
        }
        if (s.error() != null) {
            b.setError(s.error());
        }
        return b.build();
    }

    private static TraceResult result(Trace t) {
        TraceResult.Builder b = TraceResult.newBuilder().setPrompt(t.prompt()).addAllTokens(t.tokens())
                .setSubjectFirst(t.subjectFirst()).setSubjectLast(t.subjectLast()).setLayers(t.layers())
                .setAnswer(t.answer()).setCleanProbability(t.cleanProbability())
                .setCorruptedProbability(t.corruptedProbability()).setNoise(t.noise())
                .setNoiseMultiplier(t.noiseMultiplier()).setEmbeddingStd(t.embeddingStd()).setSeed(t.seed())
                .setSamples(t.samples()).setWindow(t.window()).setSeconds(t.seconds());
        for (int l = 0; l < t.layers(); l++) {
            b.addResidual(row(t.residual()[l])).addMlp(row(t.mlp()[l])).addAttention(row(t.attention()[l]));
        }
        return b.build();
    }

    private static DoubleRow row(double[] values) {
        DoubleRow.Builder r = DoubleRow.newBuilder();
        for (double v : values) {
            r.addValues(v);
        }
        return r.build();
    }
}
