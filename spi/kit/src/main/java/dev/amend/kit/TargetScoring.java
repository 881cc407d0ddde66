package dev.amend.kit;

import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Teacher-forced scoring of a continuation after a prompt, batched: the log-probability of the
 * target's tokens, whether greedy decoding would produce exactly them, and the fraction of target
 * tokens that are the argmax (EasyEdit's token accuracy).
 */
public final class TargetScoring {
    /** Sequences per forward pass. */
    private static final int BATCH = 128;

    /**
     * Scores of one prompt/target pair.
     *
     * @param logProb       sum of the target tokens' log-probabilities
     * @param tokens        number of target tokens
     * @param correctTokens target tokens that are the argmax given the prompt and the earlier target tokens
     */
    public record Scored(double logProb, int tokens, int correctTokens) {
        /** Returns true when greedy decoding from the prompt yields the whole target. */
        public boolean greedyMatch() {
            return correctTokens == tokens;
        }

        /** Returns the mean log-probability per target token. */
        public double meanLogProb() {
            return logProb / tokens;
        }

        /** Returns the fraction of target tokens that are the argmax. */
        public double tokenAccuracy() {
            return (double) correctTokens / tokens;
        }
    }

    private TargetScoring() {
    }

    /** Returns the scores of each {@code targets[i]} after {@code prompts[i]} (texts; BOS added where the model uses one). */
    public static List<Scored> score(EditableModel model, List<String> prompts, List<String> targets) {
        if (prompts.size() != targets.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts for " + targets.size() + " targets");
        }
        TextTokenizer tok = model.tokenizer();
        List<int[]> seqs = new ArrayList<>();
        int[] promptLengths = new int[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = tok.encode(prompts.get(i), true);
            int[] t = tok.encodeContinuation(prompts.get(i), targets.get(i));
            int[] s = new int[p.length + t.length];
            System.arraycopy(p, 0, s, 0, p.length);
            System.arraycopy(t, 0, s, p.length, t.length);
            seqs.add(s);
            promptLengths[i] = p.length;
        }
        return scoreIds(model, seqs, promptLengths);
    }

    /** Returns the scores of sequences whose first {@code promptLengths[i]} ids are the prompt and the rest the target. */
    public static List<Scored> scoreIds(EditableModel model, List<int[]> sequences, int[] promptLengths) {
        List<Scored> out = new ArrayList<>(sequences.size());
        for (int from = 0; from < sequences.size(); from += BATCH) {
            int to = Math.min(sequences.size(), from + BATCH);
            List<int[]> batch = sequences.subList(from, to);
            try (ForwardResult r = model.forward(ForwardRequest.of(batch))) {
                TokenVectors logp = TokenVectors.of(r.logits().logSoftmax(-1));    // [B, T, V]
                int v = logp.width();
                float[] all = logp.data();
                for (int b = 0; b < batch.size(); b++) {
                    int[] s = batch.get(b);
                    int p = promptLengths[from + b];
                    double lp = 0;
                    int correct = 0;
                    for (int pos = p; pos < s.length; pos++) {
                        int row = logp.row(b, pos - 1);     // the logits before token pos predict it
                        lp += all[row + s[pos]];
                        int best = 0;
                        for (int k = 1; k < v; k++) {
                            if (all[row + k] > all[row + best]) {
                                best = k;
                            }
                        }
                        if (best == s[pos]) {
                            correct++;
                        }
                    }
                    out.add(new Scored(lp, s.length - p, correct));
                }
            }
        }
        return out;
    }
}
