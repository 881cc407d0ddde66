package dev.amend.editors.grace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GRACE, request by request: the key is the MLP key at the prompt's last token; the value is the MLP output there
 * that makes the model emit the target, trained by Adam on the target's NLL from a cold (uniform [0, 1)) or warm
 * (the layer's own output) start, through the codebook as it stands; the entry (key, value, eps, target as label)
 * becomes one adapter. Several requests are edited one after the other, each seeing the entries of the earlier ones;
 * the model is left as it was found.
 */
final class GraceEditor implements Editor {
    private final GraceHyperparameters h;

    GraceEditor(GraceHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        List<String> problems = h.problems(model.architecture());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("GRACE hyperparameters: " + String.join("; ", problems));
        }
        int layer = h.layer(model.architecture());
        List<Adapter> entries = new ArrayList<>();
        List<Map<String, Object>> perRequest = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < requests.size(); i++) {
                ctx.checkCancelled();
                ctx.progress().progress("grace", i, requests.size());
                EditRequest r = requests.get(i);
                int[] prompt = model.tokenizer().encode(r.filledPrompt(), true);
                int[] target = model.tokenizer().encodeContinuation(r.filledPrompt(), r.target());
                if (target.length == 0) {
                    throw new InvalidRequestException("the target \"" + r.target() + "\" encodes to no tokens");
                }
                int position = prompt.length - 1;
                float[] key = keyAt(model, prompt, layer, position);
                double near = nearest(model, layer, key);
                DeltaOptimizer.Problem problem = new DeltaOptimizer.Problem(layer, Site.MLP_OUTPUT,
                        List.of(DeltaOptimizer.Row.rewrite(prompt, position, target)), 0, List.of());
                DeltaOptimizer.Settings settings = new DeltaOptimizer.Settings(h.nIter(), h.editLr(), 0, 1e9, 0,
                        h.earlyStopLoss());
                DeltaOptimizer.Outcome v = h.valInit().equals("cold")
                        ? DeltaOptimizer.optimiseFrom(model, problem, settings, coldValue(model, ctx.seed() + i),
                                ctx::checkCancelled)
                        : DeltaOptimizer.optimise(model, problem, settings, ctx::checkCancelled);
                Adapter entry = CodebookKind.entry(layer, key, Vectors.toFloats(v.target()), h.eps(), r.target(),
                        h.epsExpand());
                model.addAdapter(entry);
                entries.add(entry);
                perRequest.add(record(r, v, near));
            }
            ctx.progress().progress("grace", requests.size(), requests.size());
        } finally {
            model.removeAdapters(entries);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layer", layer);
        meta.put("codebook_module", model.architecture().editPoint(layer).module());
        meta.put("requests", perRequest);
        meta.put("seconds_optimisation", (System.nanoTime() - t0) / 1e9);
        return new Edit("grace", GraceProvider.VERSION, requests, HyperparameterBinder.toMap(h), List.of(),
                List.of(), meta, entries);
    }

    /** Returns the MLP key [d_ff] of {@code layer} at {@code position} of {@code ids}. */
    private static float[] keyAt(EditableModel model, int[] ids, int layer, int position) {
        try (ForwardResult r = model.forward(ForwardRequest.builder(List.of(ids)).capture(layer, Site.MLP_KEY)
                .stopAfter(layer).build())) {
            NDArray k = r.capture(layer, Site.MLP_KEY);
            return k.get(new NDIndex("0, {}, :", position)).toFloatArray();
        }
    }

    /** Returns a value drawn uniformly from [0, 1) per dimension, as the published cold start. */
    private static double[] coldValue(EditableModel model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[model.architecture().hiddenSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble();
        }
        return v;
    }

    /** Returns the distance of {@code key} to the nearest codebook key at {@code layer} (infinity when none). */
    private static double nearest(EditableModel model, int layer, float[] key) {
        double best = Double.POSITIVE_INFINITY;
        for (Adapter a : model.adapters()) {
            if (a.kind().equals(CodebookKind.KIND) && a.layer() == layer) {
                best = Math.min(best, Codebook.distance(a.floats(Codebook.KEY), key));
            }
        }
        return best;
    }

    private static Map<String, Object> record(EditRequest r, DeltaOptimizer.Outcome v, double nearest) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("subject", r.subject());
        info.put("nearest_entry_distance", nearest);
        info.put("losses", v.losses());
        info.put("optimisation_steps", v.steps());
        info.put("final_nll", v.finalNll());
        info.put("stopped_on_non_finite", v.stoppedOnNonFinite());
        info.put("value_norm", Vectors.norm(v.target()));
        return info;
    }
}
