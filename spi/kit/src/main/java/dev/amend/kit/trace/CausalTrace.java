package dev.amend.kit.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Runs a causal trace (ROME's {@code calculate_hidden_flow}). One clean run saves every hidden state; one corrupted
 * run (the subject's embeddings plus seeded Gaussian noise, one row per sample) gives the corrupted probability and
 * the corrupted residual stream entering each block. Each restoration then resumes the corrupted stream at the first
 * layer it restores and puts the clean states back there ({@link dev.amend.spi.model.SiteReplacement}); restorations
 * that start at the same layer share one batched pass. The model is only read.
 */
public final class CausalTrace {
    /** A trace is refused when the clean run gives the answer less than this probability: it would measure noise. */
    public static final double MIN_CLEAN_PROBABILITY = 0.01;
    /** Token positions (rows × tokens) one restoration pass holds at most. */
    static final int MAX_POSITIONS = 4096;

    private CausalTrace() {
    }

    /**
     * Returns the trace of {@code request} on {@code model}, or throws {@link InvalidRequestException} (subject not
     * in the prompt, prompt longer than the context, answer with near-zero probability) before any trace work.
     *
     * @param progress  told after each restoration pass
     * @param cancelled checked before each pass; true stops the trace with a {@link CancellationException}
     */
    public static Trace run(EditableModel model, TraceRequest request, TraceSettings settings,
                            ProgressListener progress, BooleanSupplier cancelled) {
        long t0 = System.nanoTime();
        TracedPrompt p = TracedPrompt.of(model, request);
        int layers = model.architecture().layers();
        int window = settings.windowFor(layers);
        try (NDManager nd = model.manager().newSubManager();
             ForwardResult clean = model.forward(cleanPass(p, layers))) {
            float[] cleanProbabilities = lastSoftmax(clean.logits()).get(0).toFloatArray();
            int answer = answerId(model, p, cleanProbabilities);
            double std = Double.isNaN(settings.embeddingStd())
                    ? subjectMoments(clean.capture(0, Site.LAYER_INPUT), p).std() : settings.embeddingStd();
            double sigma = settings.noise() * std;
            int width = model.architecture().hiddenSize();
            NDArray noise = nd.create(noise(settings.seed(), settings.samples(), p.length(), p.subjectFirst(),
                    p.subjectLast(), width, sigma), new Shape(settings.samples(), p.length(), width));
            try (ForwardResult corrupted = model.forward(corruptedPass(p, settings.samples(), noise, layers))) {
                double low = mean(answerProbabilities(corrupted.logits(), answer));
                Restorations restorations = new Restorations(model, p, clean, corrupted, answer, settings.samples(),
                        window, progress, cancelled);
                Map<TraceKind, double[][]> effects = new EnumMap<>(TraceKind.class);
                for (TraceKind kind : TraceKind.values()) {
                    effects.put(kind, restorations.effects(kind, low));
                }
                return new Trace(p.filled(), p.labels(), p.ids(), p.subjectFirst(), p.subjectLast(),
                        model.tokenizer().decode(new int[] {answer}), answer, effects.get(TraceKind.RESIDUAL),
                        effects.get(TraceKind.MLP), effects.get(TraceKind.ATTENTION), cleanProbabilities[answer], low,
                        sigma, settings.noise(), std, settings.seed(), settings.samples(), window,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /**
     * Checks {@code request} against {@code model} as {@link #run} does before tracing (the subject in the prompt,
     * the prompt within the context, the answer's probability on the clean run), with one forward pass; throws
     * {@link InvalidRequestException} saying what to fix.
     */
    public static void check(EditableModel model, TraceRequest request) {
        TracedPrompt p = TracedPrompt.of(model, request);
        try (ForwardResult clean = model.forward(ForwardRequest.of(List.of(p.ids())))) {
            answerId(model, p, lastSoftmax(clean.logits()).get(0).toFloatArray());
        }
    }

    /**
     * Returns the standard deviation of the input embeddings (the residual stream entering block 0) over the
     * subject tokens of all {@code requests}: ROME's noise scale for traces over many facts.
     */
    public static double embeddingStd(EditableModel model, List<TraceRequest> requests) {
        Moments all = new Moments();
        for (TraceRequest r : requests) {
            TracedPrompt p = TracedPrompt.of(model, r);
            try (ForwardResult f = model.forward(ForwardRequest.builder(List.of(p.ids()))
                    .capture(0, Site.LAYER_INPUT).stopAfter(0).build())) {
                all.add(subjectMoments(f.capture(0, Site.LAYER_INPUT), p));
            }
        }
        return all.std();
    }

    /**
     * Returns the noise the corrupted runs add, [samples, tokens, width] row-major: zero outside the subject's
     * tokens, N(0, sigma²) on them, drawn by {@code new Random(seed).nextGaussian()} sample by sample, token by token,
     * coordinate by coordinate.
     */
    public static float[] noise(long seed, int samples, int tokens, int first, int last, int width, double sigma) {
        Random random = new Random(seed);
        float[] out = new float[samples * tokens * width];
        for (int s = 0; s < samples; s++) {
            for (int t = first; t <= last; t++) {
                int base = (s * tokens + t) * width;
                for (int i = 0; i < width; i++) {
                    out[base + i] = (float) (random.nextGaussian() * sigma);
                }
            }
        }
        return out;
    }

    private static ForwardRequest cleanPass(TracedPrompt p, int layers) {
        ForwardRequest.Builder b = ForwardRequest.builder(List.of(p.ids())).capture(0, Site.LAYER_INPUT);
        for (int l = 0; l < layers; l++) {
            for (TraceKind kind : TraceKind.values()) {
                b.capture(l, kind.site());
            }
        }
        return b.build();
    }

    private static ForwardRequest corruptedPass(TracedPrompt p, int samples, NDArray noise, int layers) {
        ForwardRequest.Builder b = ForwardRequest.builder(Collections.nCopies(samples, p.ids()))
                .add(new SiteAddition(0, Site.LAYER_INPUT, noise));
        for (int l = 0; l < layers; l++) {
            b.capture(l, Site.LAYER_INPUT);
        }
        return b.build();
    }

    /** Returns the answer's id: the target's first token, or the clean run's greedy choice; checks its probability. */
    private static int answerId(EditableModel model, TracedPrompt p, float[] probabilities) {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        if (p.target() == null) {
            return best;
        }
        int[] target = model.tokenizer().encodeContinuation(p.filled(), p.target());
        if (target.length == 0) {
            throw new InvalidRequestException("the target \"" + p.target() + "\" encodes to no tokens");
        }
        int answer = target[0];
        if (probabilities[answer] < MIN_CLEAN_PROBABILITY) {
            String own = model.tokenizer().decode(new int[] {best});
            throw new InvalidRequestException(String.format(Locale.ROOT, "the model gives \"%s\" a probability of %.2g"
                    + " after \"%s\" (a trace needs at least %.2g on the clean run, or it measures noise): trace a"
                    + " fact the model knows, e.g. its own answer \"%s\" (p = %.2f), or leave the target out",
                    model.tokenizer().decode(new int[] {answer}), probabilities[answer], p.filled(),
                    MIN_CLEAN_PROBABILITY, own, probabilities[best]));
        }
        return answer;
    }

    /** Returns the softmax over the vocabulary at the last position of each row, [B, V]. */
    static NDArray lastSoftmax(NDArray logits) {
        return logits.get(new NDIndex(":, -1, :")).softmax(-1);
    }

    /** Returns the answer's probability at the last position of each row. */
    static float[] answerProbabilities(NDArray logits, int answer) {
        return lastSoftmax(logits).get(new NDIndex(":, {}", answer)).toFloatArray();
    }

    static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static Moments subjectMoments(NDArray embeddings, TracedPrompt p) {
        float[] e = embeddings.get(new NDIndex("0, {}:{}", p.subjectFirst(), p.subjectLast() + 1)).toFloatArray();
        Moments m = new Moments();
        for (float v : e) {
            m.add(v);
        }
        return m;
    }

    /** Count, sum and sum of squares of values, for a pooled standard deviation. */
    private static final class Moments {
        private long n;
        private double sum;
        private double squares;

        void add(double v) {
            n++;
            sum += v;
            squares += v * v;
        }

        void add(Moments o) {
            n += o.n;
            sum += o.sum;
            squares += o.squares;
        }

        /** Returns the sample standard deviation (n - 1 in the denominator, as torch's std). */
        double std() {
            if (n < 2) {
                throw new InvalidRequestException("the subject has too few embedding values to measure their spread");
            }
            double mean = sum / n;
            return Math.sqrt(Math.max(0, (squares - n * mean * mean) / (n - 1)));
        }
    }

    /** Closes every array made inside it (the restoration passes' inputs and masks). */
    static NDScope scope() {
        NDScope scope = new NDScope();
        scope.suppressNotUsedWarning();
        return scope;
    }
}
