package dev.amend.evaluators;

import ai.djl.ndarray.NDArray;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The model's argmax token at each answer position, teacher-forced on the answer: what EasyEdit
 * compares before and after an edit for locality. Tokenises and batches like
 * {@link dev.amend.kit.TargetScoring}.
 */
final class TeacherForcedArgmax {
    /** Sequences per forward pass. */
    private static final int BATCH = 128;

    private TeacherForcedArgmax() {
    }

    /** Returns, per pair, the argmax id at each token of {@code answers[i]} given {@code prompts[i]} and the answer's earlier tokens. */
    static List<int[]> of(EditableModel model, List<String> prompts, List<String> answers) {
        TextTokenizer tok = model.tokenizer();
        List<int[]> sequences = new ArrayList<>(prompts.size());
        int[] promptLengths = new int[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = tok.encode(prompts.get(i), true);
            int[] a = tok.encodeContinuation(prompts.get(i), answers.get(i));
            int[] s = new int[p.length + a.length];
            System.arraycopy(p, 0, s, 0, p.length);
            System.arraycopy(a, 0, s, p.length, a.length);
            sequences.add(s);
            promptLengths[i] = p.length;
        }
        List<int[]> out = new ArrayList<>(sequences.size());
        for (int from = 0; from < sequences.size(); from += BATCH) {
            List<int[]> batch = sequences.subList(from, Math.min(sequences.size(), from + BATCH));
            try (ForwardResult r = model.forward(ForwardRequest.of(batch))) {
                NDArray best = r.logits().argMax(-1);                          // [B, T, V] -> [B, T]
                long t = best.getShape().get(1);
                long[] ids = best.toLongArray();
                for (int b = 0; b < batch.size(); b++) {
                    int[] s = batch.get(b);
                    int p = promptLengths[from + b];
                    int[] predicted = new int[s.length - p];
                    for (int pos = p; pos < s.length; pos++) {
                        predicted[pos - p] = (int) ids[(int) (b * t + pos - 1)];  // logits at pos-1 predict pos
                    }
                    out.add(predicted);
                }
            }
        }
        return out;
    }
}
