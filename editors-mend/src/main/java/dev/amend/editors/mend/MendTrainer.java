package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.kit.Scalars;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.WeightOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a MEND editor for a model on edit examples, as the reference does: for a batch of edits the
 * pre-edit gradient factors go through the transforms (running statistics updated as they pass), the
 * resulting ΔW is added to the weights for one differentiable forward pass, and the loss
 * {@code cedit · NLL(new target | edit prompt and rephrasings) + cloc · KL(pre-edit ‖ post-edit on unrelated prompts)}
 * is backpropagated into the transforms and the edit learning rates (Adam, global-norm clipping). The model's
 * weights never change. Validation on held-out examples every {@code val_interval} steps keeps the best
 * editor and stops early when it has not improved for {@code early_stop_patience} steps.
 */
public final class MendTrainer {

    /**
     * Settings besides the hyperparameters.
     *
     * @param maxSeconds stop after this much wall time (the best editor so far is kept); 0 for no limit
     * @param log        receives one line per validation
     */
    public record Options(double maxSeconds, java.util.function.Consumer<String> log) {
    }

    /**
     * Validation scores.
     *
     * @param loss               cedit · NLL + cloc · KL, mean over the examples
     * @param nll                mean NLL per target token of edit prompt and rephrasings after the edit
     * @param kl                 mean KL on the locality prompts
     * @param editAccuracy       fraction of edit prompts whose new target is the greedy continuation after the edit
     * @param rephraseAccuracy   the same on the rephrasings
     * @param localityKept       fraction of locality prompts whose greedy next token is unchanged
     */
    public record Validation(double loss, double nll, double kl, double editAccuracy, double rephraseAccuracy,
                             double localityKept) {
        /** Returns the scores as a map for the training summary. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", loss);
            m.put("nll", nll);
            m.put("kl", kl);
            m.put("edit_accuracy", editAccuracy);
            m.put("rephrase_accuracy", rephraseAccuracy);
            m.put("locality_kept", localityKept);
            return m;
        }
    }

    /**
     * What training produced.
     *
     * @param network     the best editor (by validation loss)
     * @param losses      training loss per step
     * @param validations validation after every interval, with its step
     * @param bestStep    the step of the kept editor
     * @param steps       steps run
     * @param seconds     wall time
     * @param stopReason  why training stopped
     */
    public record Run(MendNetwork network, List<Double> losses, Map<Integer, Validation> validations, int bestStep,
                      int steps, double seconds, String stopReason) {
    }

    /** Per-example loss parts. */
    private record LossParts(double nll, double kl, int editHits, int edits, int rephraseHits, int rephrasings,
                             int localityKept, int localities) {
    }

    private final EditableModel model;
    private final MendHyperparameters h;
    private final MendNetwork network;
    private final List<EditPoint> points;
    private final Map<String, float[][]> adam = new LinkedHashMap<>();
    private int adamStep;

    private MendTrainer(EditableModel model, MendHyperparameters h, MendNetwork network) {
        this.model = model;
        this.h = h;
        this.network = network;
        this.points = network.points();
    }

    /** Returns a trained editor for {@code model} from {@code train}, validated on {@code validation}. */
    public static Run train(EditableModel model, MendHyperparameters h, List<MendExample> train,
                            List<MendExample> validation, Options options, ProgressListener progress) {
        List<String> problems = h.problems(model.architecture());
        if (!problems.isEmpty()) {
            throw new dev.amend.spi.InvalidRequestException("MEND hyperparameters: " + String.join("; ", problems));
        }
        if (train.isEmpty() || validation.isEmpty()) {
            throw new dev.amend.spi.InvalidRequestException("MEND training needs training and validation examples");
        }
        MendNetwork net = MendNetwork.create(h.editPoints(model.architecture()), h.rank(), h.nHidden(), h.norm(),
                h.editLr(), model.baseHash(), model.name(), h.seed());
        return new MendTrainer(model, h, net).run(train, validation, options, progress);
    }

    private Run run(List<MendExample> train, List<MendExample> validation, Options options, ProgressListener progress) {
        long start = System.nanoTime();
        Random random = new Random(h.seed());
        List<MendExample> val = validation.subList(0, Math.min(h.valSteps(), validation.size()));
        List<Double> losses = new ArrayList<>();
        Map<Integer, Validation> validations = new LinkedHashMap<>();
        Snapshot best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestStep = 0;
        String reason = "max_iters reached";
        int step = 0;
        while (step < h.maxIters()) {
            List<MendExample> batch = new ArrayList<>();
            for (int i = 0; i < h.batchSize(); i++) {
                batch.add(train.get(random.nextInt(train.size())));
            }
            double loss = step(batch, true).loss;
            losses.add(loss);
            step++;
            boolean timeUp = options.maxSeconds() > 0 && (System.nanoTime() - start) / 1e9 > options.maxSeconds();
            if (step % h.valInterval() == 0 || step == h.maxIters() || timeUp) {
                Validation v = validate(val);
                validations.put(step, v);
                if (v.loss() < bestLoss) {
                    bestLoss = v.loss();
                    bestStep = step;
                    best = new Snapshot(network);
                }
                options.log().accept(String.format("step %d (%.0f s): train loss %.3f (mean of the last %d), validation"
                        + " loss %.3f, nll %.3f, kl %.4f, edit accuracy %.3f, rephrase accuracy %.3f, locality kept %.3f, "
                        + "edit lrs %s", step, (System.nanoTime() - start) / 1e9, recentMean(losses, h.valInterval()),
                        Math.min(h.valInterval(), losses.size()), v.loss(), v.nll(), v.kl(), v.editAccuracy(),
                        v.rephraseAccuracy(), v.localityKept(), java.util.Arrays.toString(network.editLrs())));
                progress.progress(String.format("train mend (val %.3f)", v.loss()), step, h.maxIters());
                if (step - bestStep >= h.earlyStopPatience()) {
                    reason = "early stop: no validation improvement for " + (step - bestStep) + " steps";
                    break;
                }
            } else if (step % 10 == 0) {
                progress.progress(String.format("train mend (loss %.3f)", loss), step, h.maxIters());
            }
            if (timeUp) {
                reason = "time limit of " + options.maxSeconds() + " s reached";
                break;
            }
        }
        progress.progress("train mend", h.maxIters(), h.maxIters());
        if (best != null) {
            best.restore(network);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", step);
        summary.put("best_step", bestStep);
        summary.put("seconds", seconds);
        summary.put("stop_reason", reason);
        summary.put("train_examples", train.size());
        summary.put("validation_examples", val.size());
        summary.put("best_validation", validations.containsKey(bestStep) ? validations.get(bestStep).toMap() : Map.of());
        summary.put("hyperparameters", dev.amend.spi.hparams.HyperparameterBinder.toMap(h));
        network.setTraining(summary);
        return new Run(network, losses, validations, bestStep, step, seconds, reason);
    }

    private static double recentMean(List<Double> losses, int n) {
        double s = 0;
        int k = Math.min(n, losses.size());
        for (int i = losses.size() - k; i < losses.size(); i++) {
            s += losses.get(i);
        }
        return k == 0 ? Double.NaN : s / k;
    }

    /** Returns validation scores of the current editor on {@code examples}. */
    Validation validate(List<MendExample> examples) {
        double loss = 0;
        double nll = 0;
        double kl = 0;
        int eh = 0;
        int en = 0;
        int rh = 0;
        int rn = 0;
        int lk = 0;
        int ln = 0;
        for (MendExample e : examples) {
            Step s = step(List.of(e), false);
            loss += s.loss;
            nll += s.parts.nll();
            kl += s.parts.kl();
            eh += s.parts.editHits();
            en += s.parts.edits();
            rh += s.parts.rephraseHits();
            rn += s.parts.rephrasings();
            lk += s.parts.localityKept();
            ln += s.parts.localities();
        }
        int n = examples.size();
        return new Validation(loss / n, nll / n, kl / n, (double) eh / Math.max(1, en), (double) rh / Math.max(1, rn),
                (double) lk / Math.max(1, ln));
    }

    private record Step(double loss, LossParts parts) {
    }

    /** One step on {@code batch}: the loss after the edit, and with {@code learn} an update of the editor. */
    private Step step(List<MendExample> batch, boolean learn) {
        // rows: the edits, then the rephrasings (NLL after the edit), then the locality prompts (KL)
        List<GradientFactors.Sequence> edits = new ArrayList<>();
        List<GradientFactors.Sequence> targets = new ArrayList<>();
        List<GradientFactors.Sequence> local = new ArrayList<>();
        for (MendExample e : batch) {
            edits.add(GradientFactors.encode(model, e.edit().filledPrompt(), e.edit().target()));
        }
        targets.addAll(edits);
        for (MendExample e : batch) {
            for (String r : e.rephrasings()) {
                targets.add(GradientFactors.encode(model, r, e.edit().target()));
            }
            for (MendExample.Locality l : e.locality()) {
                local.add(GradientFactors.encode(model, l.prompt(), l.continuation()));
            }
        }
        int nE = edits.size();
        int nT = targets.size();
        int nL = local.size();
        List<GradientFactors.Sequence> all = new ArrayList<>(targets);
        all.addAll(local);
        List<int[]> inputs = new ArrayList<>();
        int t = 0;
        int tE = 0;
        for (int i = 0; i < all.size(); i++) {
            inputs.add(all.get(i).input());
            t = Math.max(t, all.get(i).input().length);
            if (i < nE) {
                tE = Math.max(tE, all.get(i).input().length);
            }
        }
        int b = all.size();
        int v = model.architecture().vocabSize();
        int first = points.get(0).layer();
        for (EditPoint p : points) {
            first = Math.min(first, p.layer());
        }
        // target positions: gather ids and per-position weights (mean NLL per sequence, mean over sequences)
        long[] gather = new long[b * t];
        float[] nllWeight = new float[b * t];
        for (int i = 0; i < nT; i++) {
            GradientFactors.Sequence s = targets.get(i);
            for (int j = 0; j < s.target().length; j++) {
                int pos = s.prompt().length - 1 + j;
                gather[i * t + pos] = s.target()[j];
                nllWeight[i * t + pos] = 1f / s.target().length / nT;
            }
        }
        // locality positions: where the continuation is predicted
        List<Integer> locRows = new ArrayList<>();
        for (int i = 0; i < nL; i++) {
            GradientFactors.Sequence s = local.get(i);
            for (int j = 0; j < s.target().length; j++) {
                locRows.add((nT + i) * t + s.prompt().length - 1 + j);
            }
        }
        try (NDManager nd = model.manager().newSubManager()) {
            // one pass without gradients: the pre-edit distribution on the locality rows, and the residual stream
            // entering the first edited layer, which the edit does not change (later passes resume from it)
            NDArray lower;
            float[] pre = new float[locRows.size() * v];
            try (ForwardResult r = model.forward(ForwardRequest.builder(inputs).capture(first, dev.amend.spi.model.Site.LAYER_INPUT)
                    .build())) {
                lower = r.capture(first, dev.amend.spi.model.Site.LAYER_INPUT);
                lower.attach(nd);
                if (nL > 0) {
                    NDArray lp = r.logits().logSoftmax(-1).reshape((long) b * t, v);
                    float[] rowsLp = lp.get(new ai.djl.ndarray.index.NDIndex((long) nT * t + ":")).toFloatArray();
                    for (int k = 0; k < locRows.size(); k++) {
                        System.arraycopy(rowsLp, (locRows.get(k) - nT * t) * v, pre, k * v, v);
                    }
                }
            }
            NDArray editLower = lower.get(new ai.djl.ndarray.index.NDIndex("0:" + nE + ", 0:" + tE + ", :"));
            Map<EditPoint, GradientFactors.Factors> factors = GradientFactors.capture(model, edits, points,
                    new ForwardRequest.Resume(first, editLower));
            if (learn) {
                observe(network, factors);
            }
            NDArray gatherIds = nd.create(gather, new Shape((long) b * t, 1));
            NDArray weights = nd.create(nllWeight, new Shape((long) b * t, 1));
            NDArray locSelect = null;
            NDArray preLogp = null;
            if (nL > 0) {
                float[] sel = new float[locRows.size() * b * t];
                for (int k = 0; k < locRows.size(); k++) {
                    sel[k * b * t + locRows.get(k)] = 1f;
                }
                locSelect = nd.create(sel, new Shape(locRows.size(), (long) b * t));
                preLogp = nd.create(pre, new Shape(locRows.size(), v));
            }
            MendNetwork.Bound bound = network.bind(nd, learn);
            GradientCollector gc = learn ? nd.getEngine().newGradientCollector() : null;
            try {
                ForwardRequest.Builder req = ForwardRequest.builder(inputs).gradients(learn).resume(first, lower);
                for (EditPoint p : points) {
                    GradientFactors.Factors f = factors.get(p);
                    if (f.tokens() == 0) {
                        continue;
                    }
                    NDArray x = nd.create(f.x(), new Shape(f.tokens(), p.inFeatures()));
                    NDArray d = nd.create(f.delta(), new Shape(f.tokens(), p.outFeatures()));
                    req.offset(new WeightOffset(p.layer(), bound.delta(p, x, d)));
                }
                double lossValue;
                LossParts parts;
                try (ForwardResult r = model.forward(req.build())) {
                    NDArray logp = r.logits().logSoftmax(-1).reshape((long) b * t, v);        // [B*T, V]
                    NDArray nll = logp.gather(gatherIds, 1).mul(weights).sum().neg();
                    NDArray loss = Scalars.mul(nll, h.cedit()); // not mul(Number): see Scalars
                    double klValue = 0;
                    float[] post = null;
                    if (locSelect != null) {
                        NDArray postLogp = locSelect.matMul(logp);                             // [K, V]
                        NDArray kl = preLogp.exp().mul(preLogp.sub(postLogp)).sum(new int[] {1}).mean();
                        loss = loss.add(Scalars.mul(kl, h.cloc()));
                        klValue = kl.getFloat();
                        if (!learn) {
                            post = postLogp.toFloatArray();
                        }
                    }
                    lossValue = loss.getFloat();
                    double nllValue = nll.getFloat();
                    if (learn) {
                        gc.backward(loss);
                        parts = new LossParts(nllValue, klValue, 0, 0, 0, 0, 0, 0);
                    } else {
                        parts = accuracy(logp.toFloatArray(), t, v, targets, nE, pre, post, locRows.size(),
                                nllValue, klValue);
                    }
                }
                if (learn && Double.isFinite(lossValue)) {
                    update(bound);
                }
                return new Step(lossValue, parts);
            } finally {
                if (gc != null) {
                    gc.close();
                }
            }
        }
    }

    private static LossParts accuracy(float[] logp, int t, int v, List<GradientFactors.Sequence> targets,
                                      int edits, float[] pre, float[] post, int locPositions, double nll,
                                      double kl) {
        int eh = 0;
        int en = 0;
        int rh = 0;
        int rn = 0;
        for (int i = 0; i < targets.size(); i++) {
            GradientFactors.Sequence s = targets.get(i);
            boolean all = true;
            for (int j = 0; j < s.target().length && all; j++) {
                int row = i * t + s.prompt().length - 1 + j;
                all = argmax(logp, row * v, v) == s.target()[j];
            }
            if (i < edits) {
                en++;
                eh += all ? 1 : 0;
            } else {
                rn++;
                rh += all ? 1 : 0;
            }
        }
        int kept = 0;
        for (int k = 0; k < locPositions; k++) {
            kept += argmax(pre, k * v, v) == argmax(post, k * v, v) ? 1 : 0;
        }
        return new LossParts(nll, kl, eh, en, rh, rn, kept, locPositions);
    }

    /**
     * Adds the factors to the transforms' running statistics, all of them or, when any value is not finite,
     * none: a NaN would stay in the statistics and spoil every later step. Returns whether they were added.
     */
    static boolean observe(MendNetwork network, Map<EditPoint, GradientFactors.Factors> factors) {
        if (!factors.values().stream().allMatch(f -> finite(f.x()) && finite(f.delta()))) {
            return false;
        }
        for (Map.Entry<EditPoint, GradientFactors.Factors> e : factors.entrySet()) {
            network.transform(e.getKey()).observe(e.getValue().x(), e.getValue().delta());
        }
        return true;
    }

    private static boolean finite(float[] a) {
        for (float x : a) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static int argmax(float[] a, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[from + i] > a[from + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Adam on every parameter of the editor, after clipping the global gradient norm. */
    private void update(MendNetwork.Bound bound) {
        Map<String, float[]> params = new LinkedHashMap<>();
        Map<String, float[]> grads = new LinkedHashMap<>();
        Map<String, Double> rates = new LinkedHashMap<>();
        for (Map.Entry<String, GradientTransform.Bound> e : bound.transforms().entrySet()) {
            GradientTransform tr = network.transforms().get(e.getKey());
            for (Map.Entry<String, NDArray> a : e.getValue().arrays().entrySet()) {
                String key = e.getKey() + "/" + a.getKey();
                params.put(key, tr.parameters().get(a.getKey()));
                grads.put(key, a.getValue().getGradient().toFloatArray());
                rates.put(key, h.lr());
            }
        }
        params.put("edit_lrs", network.editLrs());
        grads.put("edit_lrs", bound.editLrs().getGradient().toFloatArray());
        rates.put("edit_lrs", h.lrLr());
        double norm2 = 0;
        for (float[] g : grads.values()) {
            for (float x : g) {
                norm2 += (double) x * x;
            }
        }
        if (!Double.isFinite(norm2)) {
            return; // skip a step with a non-finite gradient
        }
        double clip = Math.sqrt(norm2) > h.gradClip() ? h.gradClip() / Math.sqrt(norm2) : 1.0;
        adamStep++;
        double b1 = 0.9;
        double b2 = 0.999;
        double c1 = 1 - Math.pow(b1, adamStep);
        double c2 = 1 - Math.pow(b2, adamStep);
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            float[] p = e.getValue();
            float[] g = grads.get(e.getKey());
            float[][] state = adam.computeIfAbsent(e.getKey(), k -> new float[][] {new float[p.length], new float[p.length]});
            float[] m = state[0];
            float[] s = state[1];
            double lr = rates.get(e.getKey());
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] * clip;
                m[i] = (float) (b1 * m[i] + (1 - b1) * gi);
                s[i] = (float) (b2 * s[i] + (1 - b2) * gi * gi);
                p[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(s[i] / c2) + 1e-8));
            }
        }
    }

    /** A copy of the editor's parameters and statistics. */
    private static final class Snapshot {
        private final Map<String, float[]> params = new LinkedHashMap<>();
        private final Map<String, GradientTransform.Moments> moments = new LinkedHashMap<>();
        private final float[] lrs;

        Snapshot(MendNetwork net) {
            for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
                moments.put(e.getKey(), e.getValue().moments());
                for (Map.Entry<String, float[]> p : e.getValue().parameters().entrySet()) {
                    params.put(e.getKey() + "/" + p.getKey(), p.getValue().clone());
                }
            }
            lrs = net.editLrs().clone();
        }

        void restore(MendNetwork net) {
            for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
                e.getValue().restore(moments.get(e.getKey()));
                for (Map.Entry<String, float[]> p : e.getValue().parameters().entrySet()) {
                    float[] saved = params.get(e.getKey() + "/" + p.getKey());
                    System.arraycopy(saved, 0, p.getValue(), 0, saved.length);
                }
            }
            System.arraycopy(lrs, 0, net.editLrs(), 0, lrs.length);
        }
    }
}
