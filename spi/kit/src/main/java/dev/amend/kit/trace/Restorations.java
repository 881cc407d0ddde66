package dev.amend.kit.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteReplacement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The restoration passes of one trace. A restoration puts the clean states of one token back at a range of layers
 * [first, end) of one site, in every noise sample. It resumes the corrupted residual stream entering block
 * {@code first} (the layers below are the corrupted run's own), so restorations that start at the same layer run
 * together in one batch: restoration i holds rows i·samples .. i·samples + samples - 1.
 */
final class Restorations {
    private final EditableModel model;
    private final TracedPrompt prompt;
    private final ForwardResult clean;
    private final ForwardResult corrupted;
    private final int answer;
    private final int samples;
    private final int window;
    private final ProgressListener progress;
    private final BooleanSupplier cancelled;
    private final int passes;
    private int done;

    /** One restoration: the cell [layer][token] it fills, and the layers [first, end) it restores. */
    private record Restoration(int layer, int token, int first, int end) {
    }

    Restorations(EditableModel model, TracedPrompt prompt, ForwardResult clean, ForwardResult corrupted, int answer,
                 int samples, int window, ProgressListener progress, BooleanSupplier cancelled) {
        this.model = model;
        this.prompt = prompt;
        this.clean = clean;
        this.corrupted = corrupted;
        this.answer = answer;
        this.samples = samples;
        this.window = window;
        this.progress = progress;
        this.cancelled = cancelled;
        int total = 0;
        for (TraceKind kind : TraceKind.values()) {
            total += batches(kind).size();
        }
        this.passes = total;
    }

    /** Returns the indirect effects [layer][token] of restoring {@code kind}: restored minus corrupted probability. */
    double[][] effects(TraceKind kind, double corruptedProbability) {
        double[][] out = new double[model.architecture().layers()][prompt.length()];
        for (List<Restoration> batch : batches(kind)) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("the trace was cancelled");
            }
            double[] restored = restoredProbabilities(kind.site(), batch);
            for (int i = 0; i < batch.size(); i++) {
                out[batch.get(i).layer()][batch.get(i).token()] = restored[i] - corruptedProbability;
            }
            progress.progress("trace", ++done, passes);
        }
        return out;
    }

    /** Returns the restorations of {@code kind} grouped by their first layer, cut to fit one pass each. */
    private List<List<Restoration>> batches(TraceKind kind) {
        int layers = model.architecture().layers();
        Map<Integer, List<Restoration>> byFirst = new TreeMap<>();
        for (int l = 0; l < layers; l++) {
            int[] range = TraceSettings.windowAround(l, kind.layersRestored(window), layers);
            // tokens before the subject are the same in clean and corrupted runs: their effect is 0
            for (int t = prompt.subjectFirst(); t < prompt.length(); t++) {
                byFirst.computeIfAbsent(range[0], k -> new ArrayList<>()).add(new Restoration(l, t, range[0], range[1]));
            }
        }
        int perPass = Math.max(1, CausalTrace.MAX_POSITIONS / (samples * prompt.length()));
        List<List<Restoration>> out = new ArrayList<>();
        for (List<Restoration> group : byFirst.values()) {
            for (int i = 0; i < group.size(); i += perPass) {
                out.add(group.subList(i, Math.min(group.size(), i + perPass)));
            }
        }
        return out;
    }

    /** Returns the answer's probability under each restoration of {@code batch}, averaged over the samples. */
    private double[] restoredProbabilities(Site site, List<Restoration> batch) {
        int k = batch.size();
        int rows = k * samples;
        int t = prompt.length();
        int first = batch.get(0).first();
        int end = 0;
        for (Restoration r : batch) {
            end = Math.max(end, r.end());
        }
        try (NDScope scope = CausalTrace.scope()) {
            NDManager nd = corrupted.manager();
            NDArray hidden = corrupted.capture(first, Site.LAYER_INPUT).tile(new long[] {k, 1, 1}); // [rows, T, d]
            ForwardRequest.Builder pass = ForwardRequest.builder(Collections.nCopies(rows, prompt.ids()))
                    .resume(first, hidden);
            for (int layer = first; layer < end; layer++) {
                float[] mask = new float[rows * t];
                for (int i = 0; i < k; i++) {
                    Restoration r = batch.get(i);
                    if (layer >= r.first() && layer < r.end()) {
                        for (int s = 0; s < samples; s++) {
                            mask[(i * samples + s) * t + r.token()] = 1f;
                        }
                    }
                }
                pass.replace(new SiteReplacement(layer, site, nd.create(mask, new Shape(rows, t)),
                        clean.capture(layer, site)));
            }
            try (ForwardResult r = model.forward(pass.build())) {
                float[] p = CausalTrace.answerProbabilities(r.logits(), answer);
                double[] out = new double[k];
                for (int i = 0; i < k; i++) {
                    double sum = 0;
                    for (int s = 0; s < samples; s++) {
                        sum += p[i * samples + s];
                    }
                    out[i] = sum / samples;
                }
                return out;
            }
        }
    }
}
