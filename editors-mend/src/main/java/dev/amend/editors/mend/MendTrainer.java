package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.kit.GradientFactors;
import dev.amend.kit.Scalars;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.WeightOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

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
    public record Options(double maxSeconds, Consumer<String> log) {
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

    private final EditableModel model;
    private final MendHyperparameters h;
    private final MendNetwork network;
    private final List<EditPoint> points;
    private final MendAdam adam;

    private MendTrainer(EditableModel model, MendHyperparameters h, MendNetwork network) {
        this.model = model;
        this.h = h;
        this.network = network;
        this.points = network.points();
        this.adam = new MendAdam(network, h);
    }

    /** Returns a trained editor for {@code model} from {@code train}, validated on {@code validation}. */
    public static Run train(EditableModel model, MendHyperparameters h, List<TrainingExample> train,
                            List<TrainingExample> validation, Options options, ProgressListener progress) {
        List<String> problems = h.problems(model.architecture());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("MEND hyperparameters: " + String.join("; ", problems));
        }
        if (train.isEmpty() || validation.isEmpty()) {
            throw new InvalidRequestException("MEND training needs training and validation examples");
        }
        MendNetwork net = MendNetwork.create(h.editPoints(model.architecture()), h.rank(), h.nHidden(), h.norm(),
                h.editLr(), model.baseHash(), model.name(), h.seed());
        return new MendTrainer(model, h, net).run(train, validation, options, progress);
    }

    private Run run(List<TrainingExample> train, List<TrainingExample> validation, Options options, ProgressListener progress) {
        long start = System.nanoTime();
        Random random = new Random(h.seed());
        List<TrainingExample> val = validation.subList(0, Math.min(h.valSteps(), validation.size()));
        List<Double> losses = new ArrayList<>();
        Map<Integer, Validation> validations = new LinkedHashMap<>();
        MendSnapshot best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestStep = 0;
        String reason = "max_iters reached";
        int step = 0;
        while (step < h.maxIters()) {
            double loss = step(sample(train, random), true).loss();
            losses.add(loss);
            step++;
            boolean timeUp = options.maxSeconds() > 0 && (System.nanoTime() - start) / 1e9 > options.maxSeconds();
            if (step % h.valInterval() == 0 || step == h.maxIters() || timeUp) {
                Validation v = validate(val);
                validations.put(step, v);
                if (v.loss() < bestLoss) {
                    bestLoss = v.loss();
                    bestStep = step;
                    best = new MendSnapshot(network);
                }
                options.log().accept(logLine(step, start, losses, v));
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
        network.setTraining(summary(step, bestStep, seconds, reason, train.size(), val.size(), validations));
        return new Run(network, losses, validations, bestStep, step, seconds, reason);
    }

    private List<TrainingExample> sample(List<TrainingExample> train, Random random) {
        List<TrainingExample> batch = new ArrayList<>();
        for (int i = 0; i < h.batchSize(); i++) {
            batch.add(train.get(random.nextInt(train.size())));
        }
        return batch;
    }

    private String logLine(int step, long start, List<Double> losses, Validation v) {
        return String.format("step %d (%.0f s): train loss %.3f (mean of the last %d), validation"
                + " loss %.3f, nll %.3f, kl %.4f, edit accuracy %.3f, rephrase accuracy %.3f, locality kept %.3f, "
                + "edit lrs %s", step, (System.nanoTime() - start) / 1e9, recentMean(losses, h.valInterval()),
                Math.min(h.valInterval(), losses.size()), v.loss(), v.nll(), v.kl(), v.editAccuracy(),
                v.rephraseAccuracy(), v.localityKept(), Arrays.toString(network.editLrs()));
    }

    private Map<String, Object> summary(int steps, int bestStep, double seconds, String reason, int trainExamples,
                                        int validationExamples, Map<Integer, Validation> validations) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", steps);
        summary.put("best_step", bestStep);
        summary.put("seconds", seconds);
        summary.put("stop_reason", reason);
        summary.put("train_examples", trainExamples);
        summary.put("validation_examples", validationExamples);
        summary.put("best_validation", validations.containsKey(bestStep) ? validations.get(bestStep).toMap() : Map.of());
        summary.put("hyperparameters", HyperparameterBinder.toMap(h));
        return summary;
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
    Validation validate(List<TrainingExample> examples) {
        double loss = 0;
        double nll = 0;
        double kl = 0;
        int eh = 0;
        int en = 0;
        int rh = 0;
        int rn = 0;
        int lk = 0;
        int ln = 0;
        for (TrainingExample e : examples) {
            Step s = step(List.of(e), false);
            loss += s.loss();
            nll += s.parts().nll();
            kl += s.parts().kl();
            eh += s.parts().editHits();
            en += s.parts().edits();
            rh += s.parts().rephraseHits();
            rn += s.parts().rephrasings();
            lk += s.parts().localityKept();
            ln += s.parts().localities();
        }
        int n = examples.size();
        return new Validation(loss / n, nll / n, kl / n, (double) eh / Math.max(1, en), (double) rh / Math.max(1, rn),
                (double) lk / Math.max(1, ln));
    }

    private record Step(double loss, MendBatch.LossParts parts) {
    }

    /** One step on {@code examples}: the loss after the edit, and with {@code learn} an update of the editor. */
    private Step step(List<TrainingExample> examples, boolean learn) {
        MendBatch batch = MendBatch.of(model, examples);
        int v = model.architecture().vocabSize();
        int first = points.get(0).layer();
        for (EditPoint p : points) {
            first = Math.min(first, p.layer());
        }
        try (NDManager nd = model.manager().newSubManager()) {
            // one pass without gradients: the pre-edit distribution on the locality rows, and the residual stream
            // entering the first edited layer, which the edit does not change (later passes resume from it)
            NDArray lower;
            float[] pre;
            try (ForwardResult r = model.forward(ForwardRequest.builder(batch.inputs).capture(first, Site.LAYER_INPUT)
                    .build())) {
                lower = r.capture(first, Site.LAYER_INPUT);
                lower.attach(nd);
                pre = batch.localityLogProbs(r.logits(), v);
            }
            NDArray editLower = lower.get(new NDIndex("0:" + batch.edits.size() + ", 0:" + batch.editT + ", :"));
            Map<EditPoint, GradientFactors.Factors> factors = GradientFactors.capture(model, batch.edits, points,
                    new ForwardRequest.Resume(first, editLower));
            if (learn) {
                observe(network, factors);
            }
            return editedStep(batch, factors, new ForwardRequest.Resume(first, lower), pre, nd, learn);
        }
    }

    /**
     * Runs the batch with the editor's ΔW added to the edited weights (resuming at the first edited layer) and
     * returns the loss {@code cedit · NLL + cloc · KL}; with {@code learn} backpropagates it into the editor and
     * updates it, otherwise also scores the accuracies.
     */
    private Step editedStep(MendBatch batch, Map<EditPoint, GradientFactors.Factors> factors,
                            ForwardRequest.Resume lower, float[] pre, NDManager nd, boolean learn) {
        int v = model.architecture().vocabSize();
        NDArray preLogp = batch.local.isEmpty() ? null
                : nd.create(pre, new Shape(batch.localityPositions.size(), v));
        MendNetwork.Bound bound = network.bind(nd, learn);
        try (GradientCollector gc = learn ? nd.getEngine().newGradientCollector() : null) {
            ForwardRequest req = edited(batch, factors, lower, bound, nd, learn);
            double lossValue;
            MendBatch.LossParts parts;
            try (ForwardResult r = model.forward(req)) {
                NDArray logp = r.logits().logSoftmax(-1).reshape((long) batch.rows() * batch.t, v);  // [B*T, V]
                NDArray nll = batch.nll(logp, nd);
                NDArray loss = Scalars.mul(nll, h.cedit()); // not mul(Number): see Scalars
                double klValue = 0;
                float[] post = null;
                if (preLogp != null) {
                    NDArray postLogp = batch.localityLogProbs(logp, nd);                          // [K, V]
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
                    parts = new MendBatch.LossParts(nllValue, klValue, 0, 0, 0, 0, 0, 0);
                } else {
                    parts = batch.accuracy(logp.toFloatArray(), v, pre, post, nllValue, klValue);
                }
            }
            if (learn && Double.isFinite(lossValue)) {
                adam.update(bound);
            }
            return new Step(lossValue, parts);
        }
    }

    /** Returns the batch's forward pass with each edited weight offset by the editor's ΔW from its factors. */
    private ForwardRequest edited(MendBatch batch, Map<EditPoint, GradientFactors.Factors> factors,
                                  ForwardRequest.Resume lower, MendNetwork.Bound bound, NDManager nd, boolean learn) {
        ForwardRequest.Builder req = ForwardRequest.builder(batch.inputs).gradients(learn)
                .resume(lower.layer(), lower.hidden());
        for (EditPoint p : points) {
            GradientFactors.Factors f = factors.get(p);
            if (f.tokens() == 0) {
                continue;
            }
            NDArray x = nd.create(f.x(), new Shape(f.tokens(), p.inFeatures()));
            NDArray d = nd.create(f.delta(), new Shape(f.tokens(), p.outFeatures()));
            req.offset(new WeightOffset(p.layer(), bound.delta(p, x, d)));
        }
        return req.build();
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
}
