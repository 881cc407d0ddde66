package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.GradientFactors;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;

/**
 * One training or validation batch laid out for MEND's loss. Rows are the edits, then the rephrasings (both
 * scored by the NLL of the new target after the edit), then the locality prompts (scored by the KL between the
 * pre-edit and post-edit distributions), all padded to the longest row {@code t}; position {@code (row, p)} is
 * flat row {@code row * t + p} of the [B*T, V] log-probabilities.
 */
final class MendBatch {
    /** The edit rows, first in the batch. */
    final List<GradientFactors.Sequence> edits = new ArrayList<>();
    /** The rows scored by NLL: the edits, then the rephrasings. */
    final List<GradientFactors.Sequence> targets = new ArrayList<>();
    /** The locality rows, after the targets. */
    final List<GradientFactors.Sequence> local = new ArrayList<>();
    /** Every row's input ids. */
    final List<int[]> inputs = new ArrayList<>();
    /** The flat positions where the locality continuations are predicted. */
    final List<Integer> localityPositions = new ArrayList<>();
    /** The longest row. */
    final int t;
    /** The longest edit row. */
    final int editT;
    /** The target id gathered at each flat position (0 where nothing is scored). */
    private final long[] gather;
    /** The NLL weight of each flat position: mean per sequence, then mean over sequences. */
    private final float[] nllWeight;

    /**
     * Scores of one batch.
     *
     * @param nll          NLL part of the loss
     * @param kl           KL part of the loss
     * @param editHits     edits whose whole new target is the greedy continuation
     * @param edits        edits scored
     * @param rephraseHits rephrasings whose whole target is the greedy continuation
     * @param rephrasings  rephrasings scored
     * @param localityKept locality positions whose greedy next token is unchanged
     * @param localities   locality positions scored
     */
    record LossParts(double nll, double kl, int editHits, int edits, int rephraseHits, int rephrasings,
                     int localityKept, int localities) {
    }

    private MendBatch(EditableModel model, List<TrainingExample> examples) {
        for (TrainingExample e : examples) {
            edits.add(GradientFactors.encode(model, e.edit().filledPrompt(), e.edit().target()));
        }
        targets.addAll(edits);
        for (TrainingExample e : examples) {
            for (String r : e.rephrasings()) {
                targets.add(GradientFactors.encode(model, r, e.edit().target()));
            }
            for (TrainingExample.Locality l : e.locality()) {
                local.add(GradientFactors.encode(model, l.prompt(), l.continuation()));
            }
        }
        List<GradientFactors.Sequence> all = new ArrayList<>(targets);
        all.addAll(local);
        int longest = 0;
        int longestEdit = 0;
        for (int i = 0; i < all.size(); i++) {
            inputs.add(all.get(i).input());
            longest = Math.max(longest, all.get(i).input().length);
            if (i < edits.size()) {
                longestEdit = Math.max(longestEdit, all.get(i).input().length);
            }
        }
        t = longest;
        editT = longestEdit;
        gather = new long[rows() * t];
        nllWeight = new float[rows() * t];
        for (int i = 0; i < targets.size(); i++) {
            GradientFactors.Sequence s = targets.get(i);
            for (int j = 0; j < s.target().length; j++) {
                int pos = s.prompt().length - 1 + j;
                gather[i * t + pos] = s.target()[j];
                nllWeight[i * t + pos] = 1f / s.target().length / targets.size();
            }
        }
        for (int i = 0; i < local.size(); i++) {
            GradientFactors.Sequence s = local.get(i);
            for (int j = 0; j < s.target().length; j++) {
                localityPositions.add((targets.size() + i) * t + s.prompt().length - 1 + j);
            }
        }
    }

    /** Returns {@code examples} encoded for {@code model} and laid out in rows. */
    static MendBatch of(EditableModel model, List<TrainingExample> examples) {
        return new MendBatch(model, examples);
    }

    /** Returns the number of rows. */
    int rows() {
        return inputs.size();
    }

    /** Returns the NLL of the new targets from log-probabilities {@code logp} [B*T, V], as a scalar. */
    NDArray nll(NDArray logp, NDManager nd) {
        NDArray ids = nd.create(gather, new Shape((long) rows() * t, 1));
        NDArray weights = nd.create(nllWeight, new Shape((long) rows() * t, 1));
        return logp.gather(ids, 1).mul(weights).sum().neg();
    }

    /** Returns the log-probabilities [K, V] at the locality positions from {@code logp} [B*T, V] (differentiable). */
    NDArray localityLogProbs(NDArray logp, NDManager nd) {
        int k = localityPositions.size();
        float[] select = new float[k * rows() * t];
        for (int i = 0; i < k; i++) {
            select[i * rows() * t + localityPositions.get(i)] = 1f;
        }
        return nd.create(select, new Shape(k, (long) rows() * t)).matMul(logp);
    }

    /** Returns the log-probabilities [K * V] at the locality positions, copied out of {@code logits} [B, T, V]. */
    float[] localityLogProbs(NDArray logits, int v) {
        float[] out = new float[localityPositions.size() * v];
        if (local.isEmpty()) {
            return out;
        }
        NDArray logp = logits.logSoftmax(-1).reshape((long) rows() * t, v);
        int firstLocal = targets.size() * t;
        float[] rows = logp.get(new NDIndex((long) firstLocal + ":")).toFloatArray();
        for (int k = 0; k < localityPositions.size(); k++) {
            System.arraycopy(rows, (localityPositions.get(k) - firstLocal) * v, out, k * v, v);
        }
        return out;
    }

    /** Returns the accuracies behind {@code nll} and {@code kl} from log-probabilities before and after the edit. */
    LossParts accuracy(float[] logp, int v, float[] pre, float[] post, double nll, double kl) {
        int eh = 0;
        int rh = 0;
        for (int i = 0; i < targets.size(); i++) {
            GradientFactors.Sequence s = targets.get(i);
            boolean all = true;
            for (int j = 0; j < s.target().length && all; j++) {
                int row = i * t + s.prompt().length - 1 + j;
                all = argmax(logp, row * v, v) == s.target()[j];
            }
            if (i < edits.size()) {
                eh += all ? 1 : 0;
            } else {
                rh += all ? 1 : 0;
            }
        }
        int kept = 0;
        int k = localityPositions.size();
        for (int i = 0; i < k; i++) {
            kept += argmax(pre, i * v, v) == argmax(post, i * v, v) ? 1 : 0;
        }
        return new LossParts(nll, kl, eh, edits.size(), rh, targets.size() - edits.size(), kept, k);
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
}
