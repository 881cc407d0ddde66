package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rank-one factors of the fine-tuning gradient of edited weights, per token: the weight's input x and
 * the gradient δ of the edit loss with respect to its output, so that the gradient of the weight is
 * Σ_tokens δ xᵀ. MEND's loss is the sum over requests of each request's mean NLL of its target tokens, so
 * every request contributes the factors it would have alone and a batch is the union of single edits; other
 * weightings of the target tokens (UltraEdit's mean over a group of requests) and other choices of the tokens
 * kept are available through {@link #capture(EditableModel, List, double[], List, ForwardRequest.Resume, Rows)}.
 */
public final class GradientFactors {

    /** Which tokens' factors are kept. */
    public enum Rows {
        /** Every real token whose δ is not zero everywhere (MEND). */
        NONZERO,
        /** The tokens whose next-token logits score a target token (UltraEdit's {@code token: ans}). */
        TARGETS,
        /** Every real token of the input (UltraEdit's {@code token: mask}). */
        ALL
    }

    /**
     * One weight's factors.
     *
     * @param point  the edited weight
     * @param tokens number of tokens (rows)
     * @param x      inputs, row-major [tokens, in]
     * @param delta  output gradients, row-major [tokens, out]
     */
    public record Factors(EditPoint point, int tokens, float[] x, float[] delta) {
    }

    /**
     * A prompt and its target as token ids.
     *
     * @param prompt prompt ids (BOS first where the model uses one)
     * @param target target ids as they follow the prompt
     */
    public record Sequence(int[] prompt, int[] target) {
        /** Returns the ids the model reads: the prompt and all target tokens but the last. */
        public int[] input() {
            int[] s = new int[prompt.length + target.length - 1];
            System.arraycopy(prompt, 0, s, 0, prompt.length);
            System.arraycopy(target, 0, s, prompt.length, target.length - 1);
            return s;
        }
    }

    private GradientFactors() {
    }

    /** Returns the sequence of {@code prompt} followed by {@code target}, checked against the context. */
    public static Sequence encode(EditableModel model, String prompt, String target) {
        TextTokenizer tok = model.tokenizer();
        int[] p = tok.encode(prompt, true);
        int[] t = tok.encodeContinuation(prompt, target);
        if (p.length == 0) {
            throw new InvalidRequestException("the prompt \"" + prompt + "\" encodes to no tokens");
        }
        if (t.length == 0) {
            throw new InvalidRequestException("the target \"" + target + "\" encodes to no tokens after its prompt");
        }
        if (p.length + t.length - 1 > model.architecture().maxContext()) {
            throw new InvalidRequestException("prompt and target are " + (p.length + t.length) + " tokens, longer than"
                    + " the model's context of " + model.architecture().maxContext() + " tokens: shorten them");
        }
        return new Sequence(p, t);
    }

    /** Returns the sequences of edit requests (filled prompt → target). */
    public static List<Sequence> encode(EditableModel model, List<EditRequest> requests) {
        List<Sequence> out = new ArrayList<>();
        for (EditRequest r : requests) {
            out.add(encode(model, r.filledPrompt(), r.target()));
        }
        return out;
    }

    /**
     * Returns the factors of every weight in {@code points} for the edit loss of {@code sequences}, in one
     * forward and backward pass; tokens whose δ is zero everywhere are left out. The model is not changed.
     */
    public static Map<EditPoint, Factors> capture(EditableModel model, List<Sequence> sequences, List<EditPoint> points) {
        return capture(model, sequences, points, null);
    }

    /**
     * Returns the factors as {@link #capture(EditableModel, List, List)} does, starting the pass at a stored
     * residual stream when {@code resume} is given (its layer at or below the first edited weight's, its
     * hidden state [sequences, longest input, d] for the same inputs): the layers below do not change.
     */
    public static Map<EditPoint, Factors> capture(EditableModel model, List<Sequence> sequences, List<EditPoint> points,
                                                  ForwardRequest.Resume resume) {
        double[] perToken = new double[sequences.size()];
        for (int i = 0; i < perToken.length; i++) {
            perToken[i] = 1.0 / sequences.get(i).target().length;
        }
        return capture(model, sequences, perToken, points, resume, Rows.NONZERO);
    }

    /**
     * Returns the factors of every weight in {@code points} for the loss {@code −Σ_i tokenWeights[i] Σ_j log p(target
     * token j of sequence i)}, in one forward and backward pass (from {@code resume} when not null, as above), keeping
     * the tokens {@code rows} says. The model is not changed.
     */
    public static Map<EditPoint, Factors> capture(EditableModel model, List<Sequence> sequences, double[] tokenWeights,
                                                  List<EditPoint> points, ForwardRequest.Resume resume, Rows rows) {
        if (tokenWeights.length != sequences.size()) {
            throw new IllegalArgumentException(tokenWeights.length + " token weights for " + sequences.size()
                    + " sequences");
        }
        List<int[]> inputs = new ArrayList<>();
        int t = 0;
        for (Sequence s : sequences) {
            inputs.add(s.input());
            t = Math.max(t, s.input().length);
        }
        int b = sequences.size();
        int v = model.architecture().vocabSize();
        int d = model.architecture().hiddenSize();
        long[] gather = new long[b * t];
        float[] weight = new float[b * t];
        for (int i = 0; i < b; i++) {
            Sequence s = sequences.get(i);
            for (int j = 0; j < s.target().length; j++) {
                int pos = s.prompt().length - 1 + j;
                gather[i * t + pos] = s.target()[j];
                weight[i * t + pos] = (float) tokenWeights[i];
            }
        }
        Map<EditPoint, Factors> out = new LinkedHashMap<>();
        try (NDManager nd = model.manager().newSubManager()) {
            NDArray gatherIds = nd.create(gather, new Shape((long) b * t, 1));
            NDArray weights = nd.create(weight, new Shape((long) b * t, 1));
            ForwardRequest.Builder req = ForwardRequest.builder(inputs).gradients(true);
            if (resume != null) {
                req.resume(resume.layer(), resume.hidden());
            }
            Map<EditPoint, NDArray> zeros = new LinkedHashMap<>();
            for (EditPoint p : points) {
                NDArray z = nd.zeros(new Shape(b, t, d));
                z.setRequiresGradient(true);
                zeros.put(p, z);
                req.add(new SiteAddition(p.layer(), Site.MLP_OUTPUT, z)).capture(p.layer(), Site.MLP_KEY);
            }
            Map<EditPoint, float[]> keys = new LinkedHashMap<>();
            Map<EditPoint, float[]> grads = new LinkedHashMap<>();
            int[] lengths;
            try (GradientCollector gc = nd.getEngine().newGradientCollector();
                 ForwardResult r = model.forward(req.build())) {
                NDArray logp = r.logits().logSoftmax(-1).reshape((long) b * t, v);
                NDArray loss = logp.gather(gatherIds, 1).mul(weights).sum().neg();
                gc.backward(loss);
                lengths = r.lengths();
                for (EditPoint p : points) {
                    keys.put(p, r.capture(p.layer(), Site.MLP_KEY).toFloatArray());
                    grads.put(p, zeros.get(p).getGradient().toFloatArray());
                }
            }
            for (EditPoint p : points) {
                out.put(p, select(p, keys.get(p), grads.get(p), kept(rows, sequences, lengths, t, grads.get(p), p)));
            }
        }
        return out;
    }

    /** Returns the flat positions ({@code b * t + pos}) of the tokens {@code rows} keeps. */
    private static List<Integer> kept(Rows rows, List<Sequence> sequences, int[] lengths, int t, float[] grad,
                                      EditPoint p) {
        int out = p.outFeatures();
        List<Integer> kept = new ArrayList<>();
        for (int b = 0; b < lengths.length; b++) {
            Sequence s = sequences.get(b);
            for (int pos = 0; pos < lengths[b]; pos++) {
                int row = b * t + pos;
                boolean keep = switch (rows) {
                    case ALL -> true;
                    case TARGETS -> pos >= s.prompt().length - 1;
                    case NONZERO -> {
                        boolean nonZero = false;
                        for (int k = 0; k < out && !nonZero; k++) {
                            nonZero = grad[row * out + k] != 0f;
                        }
                        yield nonZero;
                    }
                };
                if (keep) {
                    kept.add(row);
                }
            }
        }
        return kept;
    }

    /** Returns the factors at the flat positions {@code rows}. */
    private static Factors select(EditPoint p, float[] key, float[] grad, List<Integer> rows) {
        int in = p.inFeatures();
        int out = p.outFeatures();
        float[] x = new float[rows.size() * in];
        float[] delta = new float[rows.size() * out];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(key, rows.get(i) * in, x, i * in, in);
            System.arraycopy(grad, rows.get(i) * out, delta, i * out, out);
        }
        return new Factors(p, rows.size(), x, delta);
    }
}
