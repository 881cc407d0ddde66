package dev.amend.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.reference.RandomCheckpoints.Checkpoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares the DJL runtime's logits with {@link ReferenceTransformer} (plain Java, fp64) on tiny
 * random checkpoints of every supported architecture, sequence by sequence and batched.
 */
class ReferenceForwardTest {
    /** Largest accepted |runtime − reference| for any logit (the runtime computes in float32). */
    static final double TOLERANCE = 1e-4;
    /** Largest accepted |batched − alone| for any logit at a real (unpadded) position. */
    static final double BATCH_TOLERANCE = 1e-5;
    /** Sequence lengths run alone through each model; the first two are also run as one padded batch. */
    private static final int[] LENGTHS = {12, 5, 9};

    @TempDir
    Path tmp;

    @Test
    void gpt2() throws Exception {
        JsonObject c = RandomCheckpoints.gpt2Config(96, 32, 2, 4, 32, null);
        compare("gpt2", RandomCheckpoints.write(tmp, c, 11));
    }

    @Test
    void gpt2WithExplicitInnerSizeAndThreeLayers() throws Exception {
        JsonObject c = RandomCheckpoints.gpt2Config(64, 24, 3, 3, 16, 40);
        compare("gpt2 n_inner=40", RandomCheckpoints.write(tmp, c, 12));
    }

    @Test
    void llamaGroupedQueryAttentionUntiedHead() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 80, 32, 64, 2, 4, 2);
        compare("llama gqa 4/2 untied", RandomCheckpoints.write(tmp, c, 21));
    }

    @Test
    void llamaWithLlama3RopeScaling() throws Exception {
        // theta 500, head_dim 16, original context 32, low 1, high 4: wavelengths 6.3 (kept),
        // 13.2 and 27.9 (smoothed), 59 and longer (divided by the factor): all three bands are used.
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 64, 64, 96, 2, 4, 2);
        c.addProperty("rope_theta", 500.0);
        c.add("rope_scaling", RandomCheckpoints.llama3Scaling(8.0, 1.0, 4.0, 32));
        Checkpoint ck = RandomCheckpoints.write(tmp, c, 31);
        assertScalingMatters(ck, "rope_scaling");
        compare("llama rope llama3", ck);
    }

    @Test
    void llamaWithLinearRopeScaling() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 64, 32, 64, 2, 2, 2);
        c.addProperty("rope_theta", 100.0);
        c.add("rope_scaling", RandomCheckpoints.linearScaling(4.0));
        Checkpoint ck = RandomCheckpoints.write(tmp, c, 32);
        assertScalingMatters(ck, "rope_scaling");
        compare("llama rope linear", ck);
    }

    @Test
    void qwen2WithQkvBiasesAndTiedHead() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("qwen2", 100, 48, 96, 2, 6, 2);
        c.addProperty("rope_theta", 1000000.0);
        c.addProperty("tie_word_embeddings", true);
        c.addProperty("rms_norm_eps", 1e-6);
        compare("qwen2 bias tied", RandomCheckpoints.write(tmp, c, 41));
    }

    @Test
    void llamaWithAttentionBias() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 72, 32, 48, 3, 4, 4);
        c.addProperty("attention_bias", true);
        compare("llama attention_bias", RandomCheckpoints.write(tmp, c, 51));
    }

    @Test
    void llamaWithMlpBias() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 72, 32, 48, 2, 4, 2);
        c.addProperty("mlp_bias", true);
        compare("llama mlp_bias", RandomCheckpoints.write(tmp, c, 52));
    }

    @Test
    void llamaWithExplicitHeadDim() throws Exception {
        // head_dim 16 with 4 heads on a 32-wide residual: q_proj is [64, 32], o_proj [32, 64]
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 64, 32, 64, 2, 4, 2);
        c.addProperty("head_dim", 16);
        compare("llama head_dim=16", RandomCheckpoints.write(tmp, c, 53));
    }

    @Test
    void mistral() throws Exception {
        // multi-query (one kv head); the window (as in Mistral 7B v0.1) is longer than any sequence here
        JsonObject c = RandomCheckpoints.llamaConfig("mistral", 128, 32, 64, 2, 4, 1);
        c.addProperty("sliding_window", 4096);
        compare("mistral", RandomCheckpoints.write(tmp, c, 61));
    }

    @Test
    void mistralWithSlidingWindowShorterThanTheSequence() throws Exception {
        JsonObject c = RandomCheckpoints.llamaConfig("mistral", 64, 32, 64, 2, 4, 2);
        c.addProperty("sliding_window", 4);
        Checkpoint ck = RandomCheckpoints.write(tmp, c, 62);
        assertScalingMatters(ck, "sliding_window");
        compare("mistral sliding_window=4", ck);
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Runs each of {@link #LENGTHS} random sequences alone through the runtime and checks every
     * logit against the reference; then runs the first two as one right-padded batch and checks
     * that each sequence's real positions match its run alone.
     */
    private static void compare(String label, Checkpoint ck) throws Exception {
        Random rnd = new Random(label.hashCode());
        List<int[]> seqs = new ArrayList<>();
        for (int n : LENGTHS) {
            seqs.add(RandomCheckpoints.randomIds(rnd, n, ck.vocab()));
        }
        int v = ck.vocab();
        double worst = 0;
        double worstBatch = 0;
        try (Transformer model = HfCheckpoints.load(ck.dir())) {
            List<float[]> alone = new ArrayList<>();
            for (int s = 0; s < seqs.size(); s++) {
                int[] ids = seqs.get(s);
                float[] got = logits(model, List.of(ids), ids.length, v);
                alone.add(got);
                double[][] want = ck.referenceLogits(ids);
                worst = Math.max(worst, maxDiff(label + " sequence " + s + " alone", want, got, 0, ids.length,
                        v, TOLERANCE));
            }

            // right padding: [12 tokens, 5 tokens] as one batch
            int[] a = seqs.get(0);
            int[] b = seqs.get(1);
            int t = Math.max(a.length, b.length);
            float[] batch = logits(model, List.of(a, b), t, v);
            for (int s = 0; s < 2; s++) {
                int[] ids = seqs.get(s);
                float[] one = alone.get(s);
                for (int pos = 0; pos < ids.length; pos++) {
                    for (int k = 0; k < v; k++) {
                        double diff = Math.abs(batch[(s * t + pos) * v + k] - one[pos * v + k]);
                        worstBatch = Math.max(worstBatch, diff);
                        if (!(diff <= BATCH_TOLERANCE)) {
                            fail(String.format(Locale.ROOT,
                                    "%s: batch of lengths [%d, %d], sequence %d position %d token %d:"
                                            + " batched %.7f, alone %.7f (|diff| %.3e)", label, a.length,
                                    b.length, s, pos, k, batch[(s * t + pos) * v + k], one[pos * v + k], diff));
                        }
                    }
                }
                // and the batched logits against the reference as well
                double[][] want = ck.referenceLogits(ids);
                maxDiff(label + " sequence " + s + " in batch", want, batch, s * t, ids.length, v, TOLERANCE);
            }
        }
        System.out.printf(Locale.ROOT, "[reference] %-28s max|runtime - reference| = %.3e,"
                + " max|batched - alone| = %.3e%n", label, worst, worstBatch);
    }

    /** Runs one forward pass and returns the logits, checking their shape [B, T, V]. */
    static float[] logits(Transformer model, List<int[]> seqs, int t, int v) {
        try (ForwardResult r = model.forward(ForwardRequest.of(seqs))) {
            assertArrayEquals(new long[] {seqs.size(), t, v}, r.logits().getShape().getShape(), "logits shape");
            return r.logits().toFloatArray();
        }
    }

    /**
     * Returns max |want − got| over positions [0, n) of the sequence starting at row {@code row0} of
     * {@code got}, failing with the first position and token where it exceeds {@code tolerance}.
     */
    static double maxDiff(String label, double[][] want, float[] got, int row0, int n, int v, double tolerance) {
        double worst = 0;
        for (int pos = 0; pos < n; pos++) {
            double rowWorst = 0;
            int rowArg = 0;
            for (int k = 0; k < v; k++) {
                double diff = Math.abs(want[pos][k] - got[(row0 + pos) * v + k]);
                if (!(diff <= rowWorst)) {
                    rowWorst = diff;
                    rowArg = k;
                }
            }
            if (!(rowWorst <= tolerance)) {
                fail(String.format(Locale.ROOT, "%s: position %d token %d: runtime %.7f, reference %.7f"
                                + " (|diff| %.3e > %.0e; largest reference logit there %.3f)", label, pos, rowArg,
                        got[(row0 + pos) * v + rowArg], want[pos][rowArg], rowWorst, tolerance, maxAbs(want[pos])));
            }
            worst = Math.max(worst, rowWorst);
        }
        return worst;
    }

    /** Checks that removing {@code field} changes the reference logits, so the test can see it. */
    private static void assertScalingMatters(Checkpoint ck, String field) {
        int[] ids = RandomCheckpoints.randomIds(new Random(7), 12, ck.vocab());
        JsonObject without = ck.config().deepCopy();
        without.remove(field);
        double[][] with = ck.referenceLogits(ids);
        double[][] plain = ReferenceTransformer.logits(without, ck.weights(), ids);
        double d = 0;
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < ck.vocab(); k++) {
                d = Math.max(d, Math.abs(with[i][k] - plain[i][k]));
            }
        }
        assertTrue(d > 100 * TOLERANCE, field + " changes the logits by only " + d + ": the test would not see it");
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
