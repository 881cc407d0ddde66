package dev.amend.evaluators;

import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Sampling;
import java.util.Arrays;
import java.util.List;

/** Plain one-sequence recomputations of what the evaluators measure, in doubles: the tests' expectations. */
final class SingleSequenceScoring {
    /** Prompts ending in a space, so answers are scored exactly as written. */
    static final List<String> PROMPTS = List.of("the capital of france is ", "paris is the capital of ",
            "the eiffel tower is in ", "rome is a city in ", "the mother tongue of dante is ",
            "the official language of spain is ", "apple was founded by ", "mount everest is in ",
            "the color of the sky is ", "water boils at ", "the author of hamlet is ", "berlin is the capital of ",
            "the largest ocean is ", "the currency of japan is ", "a dog says ", "my favourite food is ");

    private SingleSequenceScoring() {
    }

    /** Returns the mean log-probability of the answer's tokens after the prompt. */
    static double meanLogProb(EditableModel model, String prompt, String answer) {
        int[] a = model.tokenizer().encode(answer, false);
        double[][] logits = logitsBeforeEachAnswerToken(model, prompt, answer);
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            double max = Arrays.stream(logits[k]).max().orElseThrow();
            double z = 0;
            for (double l : logits[k]) {
                z += Math.exp(l - max);
            }
            sum += logits[k][a[k]] - max - Math.log(z);
        }
        return sum / a.length;
    }

    /** Returns the argmax id at each answer position, teacher-forced. */
    static int[] argmaxes(EditableModel model, String prompt, String answer) {
        double[][] logits = logitsBeforeEachAnswerToken(model, prompt, answer);
        int[] best = new int[logits.length];
        for (int k = 0; k < logits.length; k++) {
            for (int v = 1; v < logits[k].length; v++) {
                if (logits[k][v] > logits[k][best[k]]) {
                    best[k] = v;
                }
            }
        }
        return best;
    }

    /** Returns the fraction of answer tokens that are the teacher-forced argmax. */
    static double tokenAccuracy(EditableModel model, String prompt, String answer) {
        int[] a = model.tokenizer().encode(answer, false);
        int[] best = argmaxes(model, prompt, answer);
        return (double) countEqual(a, best) / a.length;
    }

    /** Returns true when greedy generation after the prompt starts with the answer's tokens. */
    static boolean greedyMatch(EditableModel model, String prompt, String answer) {
        int[] a = model.tokenizer().encode(answer, false);
        return Arrays.equals(a, greedyIds(model, prompt, a.length));
    }

    /** Returns the greedy continuation of {@code n} tokens as text, or null when it is not plain non-blank text. */
    static String greedyText(EditableModel model, String prompt, int n) {
        int[] ids = greedyIds(model, prompt, n);
        String text = model.tokenizer().decode(ids);
        return ids.length == n && Arrays.stream(ids).allMatch(id -> id >= 3) && !text.isBlank() ? text : null;
    }

    /** Returns the greedy continuation of {@code n} tokens, failing the test when it is not plain non-blank text. */
    static String plainGreedyText(EditableModel model, String prompt, int n) {
        String text = greedyText(model, prompt, n);
        if (text == null) {
            throw new AssertionError("the greedy continuation of \"" + prompt + "\" is not plain text: pick another prompt");
        }
        return text;
    }

    /** Returns how many positions hold the same id. */
    static int countEqual(int[] a, int[] b) {
        int same = 0;
        for (int k = 0; k < a.length; k++) {
            if (a[k] == b[k]) {
                same++;
            }
        }
        return same;
    }

    private static int[] greedyIds(EditableModel model, String prompt, int n) {
        GenerationResult g = model.generate(new GenerationRequest(model.tokenizer().encode(prompt, true), n,
                Sampling.GREEDY, false));
        return g.generatedIds();
    }

    /** Returns, for each answer token, the logits at the position that predicts it. */
    private static double[][] logitsBeforeEachAnswerToken(EditableModel model, String prompt, String answer) {
        int[] p = model.tokenizer().encode(prompt, true);
        int[] a = model.tokenizer().encode(answer, false);
        int[] ids = new int[p.length + a.length];
        System.arraycopy(p, 0, ids, 0, p.length);
        System.arraycopy(a, 0, ids, p.length, a.length);
        try (ForwardResult r = model.forward(ForwardRequest.of(List.of(ids)))) {
            float[] all = r.logits().toFloatArray();                           // [1, T, V]
            int v = (int) r.logits().getShape().get(2);
            double[][] out = new double[a.length][v];
            for (int k = 0; k < a.length; k++) {
                for (int j = 0; j < v; j++) {
                    out[k][j] = all[(p.length + k - 1) * v + j];
                }
            }
            return out;
        }
    }
}
