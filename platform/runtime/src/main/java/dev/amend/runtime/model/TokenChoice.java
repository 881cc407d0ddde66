package dev.amend.runtime.model;

import dev.amend.spi.model.Sampling;
import java.util.Arrays;
import java.util.SplittableRandom;

/** How generation picks the next token from the logits: greedy, or seeded top-k sampling with a temperature. */
final class TokenChoice {
    private TokenChoice() {
    }

    /**
     * Returns the next token for {@code logits}: the argmax (lowest id on ties) when greedy, else a draw from the
     * {@code topK} most likely tokens with probabilities softmax(logits / temperature) renormalised over them.
     */
    static int choose(float[] logits, Sampling sampling, SplittableRandom random) {
        if (sampling.greedy()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int k = sampling.topK() <= 0 ? logits.length : Math.min(sampling.topK(), logits.length);
        Arrays.sort(order, (a, c) -> Float.compare(logits[c], logits[a]) != 0
                ? Float.compare(logits[c], logits[a]) : Integer.compare(a, c));
        double max = logits[order[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / sampling.temperature());
            sum += p[i];
        }
        double r = random.nextDouble() * sum;
        for (int i = 0; i < k; i++) {
            r -= p[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[k - 1];
    }
}
