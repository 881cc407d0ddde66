package dev.amend.editors.wise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.ContextTemplates;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The constants of one edit's training, built once: the edit's rows (each context template around the prompt,
 * followed by the target), their MLP keys at the side memory's block and the residual stream entering it, the
 * answer tokens (the prompt's last token and the target's tokens but the last: those that predict the target), the
 * target ids and weights of the NLL, and the keys of every token of the unrelated texts (the templates' generated
 * prefixes, as EasyEdit's {@code loc_prompt}).
 *
 * @param layer         the side memory's block
 * @param tokens        the edit's rows
 * @param lower         [R, T, d] the residual stream entering the block, or null at block 0
 * @param keys          [R, T, d_ff] the MLP keys of the rows at the block
 * @param answerMask    [R, T, 1] 1 at the answer tokens, else 0
 * @param answerKeys    [I, d_ff] the keys of the answer tokens
 * @param unrelatedKeys [O, d_ff] the keys of the unrelated texts' tokens, or null without such texts
 * @param targetIds     [R·T, 1] the target id each position predicts (0 elsewhere)
 * @param targetWeights [R·T, 1] 1 / (target length · R) there, 0 elsewhere
 * @param outputs       d
 * @param inputs        d_ff
 */
record TrainingRows(int layer, List<int[]> tokens, NDArray lower, NDArray keys, NDArray answerMask,
                    NDArray answerKeys, NDArray unrelatedKeys, NDArray targetIds, NDArray targetWeights, int outputs,
                    int inputs) {

    /** Returns the number of cells, R · T. */
    int cells() {
        return (int) keys.getShape().get(0) * (int) keys.getShape().get(1);
    }

    /** Returns the constants for request {@code r} in {@code templates} at {@code layer}, in {@code nd}. */
    static TrainingRows of(EditableModel model, int layer, EditRequest r, List<String> templates, NDManager nd) {
        List<int[]> tokens = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();                 // per row: first answer position, target ids
        List<int[]> unrelated = new ArrayList<>();
        for (String t : templates) {
            String prompt = ContextTemplates.apply(t, r.filledPrompt());
            int[] p = model.tokenizer().encode(prompt, true);
            int[] target = model.tokenizer().encodeContinuation(prompt, r.target());
            if (target.length == 0) {
                throw new InvalidRequestException("the target \"" + r.target() + "\" encodes to no tokens");
            }
            int[] row = Arrays.copyOf(p, p.length + target.length);
            System.arraycopy(target, 0, row, p.length, target.length);
            tokens.add(row);
            answers.add(target);
            String prefix = ContextTemplates.prefix(t).strip();
            if (!prefix.isEmpty()) {
                unrelated.add(model.tokenizer().encode(prefix, true));
            }
        }
        int rows = tokens.size();
        int length = tokens.stream().mapToInt(x -> x.length).max().orElseThrow();
        long[] ids = new long[rows * length];
        float[] weights = new float[rows * length];
        float[] mask = new float[rows * length];
        List<Long> answerCells = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int[] target = answers.get(i);
            int first = tokens.get(i).length - target.length - 1;      // the prompt's last token
            for (int j = 0; j < target.length; j++) {
                int cell = i * length + first + j;
                ids[cell] = target[j];
                weights[cell] = 1f / target.length / rows;
                mask[cell] = 1f;
                answerCells.add((long) cell);
            }
        }
        int layers = model.architecture().layers();
        int d = model.architecture().hiddenSize();
        int dff = model.architecture().intermediateSize();
        NDArray lower = null;
        NDArray keys;
        ForwardRequest.Builder req = ForwardRequest.builder(tokens).capture(layer, Site.MLP_KEY).stopAfter(layer);
        if (layer > 0) {
            req.capture(layer, Site.LAYER_INPUT);
        }
        try (ForwardResult res = model.forward(req.build())) {
            keys = kept(res.capture(layer, Site.MLP_KEY), nd);
            if (layer > 0) {
                lower = kept(res.capture(layer, Site.LAYER_INPUT), nd);
            }
        }
        NDArray answerKeys = owned(keys.reshape(rows * length, dff)
                .get(new NDIndex("{}", nd.create(answerCells.stream().mapToLong(Long::longValue).toArray()))));
        NDArray unrelatedKeys = unrelated.isEmpty() ? null : unrelatedKeys(model, layer, unrelated, nd);
        return new TrainingRows(layer, tokens, lower, keys, owned(nd.create(mask, new Shape(rows, length, 1))),
                answerKeys, unrelatedKeys, owned(nd.create(ids, new Shape(rows * length, 1))),
                owned(nd.create(weights, new Shape(rows * length, 1))), d, dff);
    }

    /** Returns the keys [O, d_ff] of every real token of {@code texts} at {@code layer}. */
    private static NDArray unrelatedKeys(EditableModel model, int layer, List<int[]> texts, NDManager nd) {
        int length = texts.stream().mapToInt(x -> x.length).max().orElseThrow();
        List<Long> cells = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            for (int p = 0; p < texts.get(i).length; p++) {
                cells.add((long) i * length + p);
            }
        }
        try (ForwardResult res = model.forward(ForwardRequest.builder(texts).capture(layer, Site.MLP_KEY)
                .stopAfter(layer).build())) {
            NDArray k = res.capture(layer, Site.MLP_KEY);
            NDArray flat = k.reshape(texts.size() * (long) length, k.getShape().get(2));
            return kept(flat.get(new NDIndex("{}", res.manager().create(cells.stream().mapToLong(Long::longValue)
                    .toArray()))), nd);
        }
    }

    /** Returns a copy of {@code a} in {@code nd}, in memory PyTorch owns. */
    private static NDArray kept(NDArray a, NDManager nd) {
        NDArray copy = a.duplicate();
        copy.attach(nd);
        return copy;
    }

    /** Returns a copy of {@code fromJava} in memory PyTorch owns (its Java buffer may be freed any time). */
    static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }
}
