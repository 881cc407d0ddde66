package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.Locators;
import dev.amend.kit.NormAnchor;
import dev.amend.kit.ValueTargets;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Norm anchoring checked from its definition: the anchored value keeps the solved value's direction and has norm
 * ρ‖v₀‖ when the solved one was longer, a value within the bound passes unchanged, the ratio is refused outside
 * [1, 100] (0 = off), and on a model the anchor of a target after the block is the MLP output read independently.
 */
class NormAnchorTest {
    private static double norm(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static double[] plus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    private static double[] gaussian(Random random, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * random.nextGaussian();
        }
        return v;
    }

    @Test
    void aLongValueIsScaledOntoTheAnchorAlongItsOwnDirection() {
        Random random = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            double[] v0 = gaussian(random, 32, 1);
            double[] delta = gaussian(random, 32, 3);                     // ‖v*‖ ≈ 3.2 ‖v₀‖
            double ratio = 1 + trial * 0.05;
            double[] vStar = plus(v0, delta);
            NormAnchor.Anchored a = NormAnchor.restrain(delta, v0, ratio);
            double[] anchored = plus(v0, a.delta());
            assertEquals(ratio * norm(v0), norm(anchored), 1e-9 * norm(v0), "‖v*'‖ = ρ‖v₀‖");
            assertEquals(1, cosine(anchored, vStar), 1e-12, "the direction of v* is kept");
            assertEquals(norm(vStar) / norm(v0), a.ratioBefore(), 1e-9);
            assertEquals(ratio * norm(v0) / norm(vStar), a.scale(), 1e-12);
        }
    }

    @Test
    void aValueWithinTheBoundAndAZeroAnchorPassUnchanged() {
        Random random = new Random(6);
        double[] v0 = gaussian(random, 16, 1);
        double[] small = gaussian(random, 16, 0.05);
        NormAnchor.Anchored a = NormAnchor.restrain(small, v0, 2);
        assertArrayEquals(small, a.delta(), 0);
        assertEquals(1, a.scale());
        double[] zero = new double[16];
        assertArrayEquals(small, NormAnchor.restrain(small, zero, 1).delta(), 0, "no anchor without a value");
    }

    @Test
    void theRatioIsZeroOrBetweenOneAndAHundred() {
        for (double ok : new double[] {0, 1, 2.5, 100}) {
            assertNull(NormAnchor.problem(ok), "ratio " + ok);
        }
        for (double bad : new double[] {-1, 0.5, 100.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            String p = NormAnchor.problem(bad);
            assertTrue(p != null && p.startsWith("norm_anchor must be 0 (off) or a ratio between 1 and 100"),
                    bad + ": " + p);
        }
    }

    @Test
    void onAModelTheAnchorOfATargetAfterTheBlockIsThatBlocksMlpOutput() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 7, CharTokenizer.INSTANCE)) {
            EditRequest r = EditRequest.of("the capital of {} is", "abc", " xyz");
            int layer = 1;
            DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model, ValueTargets.problem(model, r, List.of("{}"),
                    Locators.SUBJECT_LAST, layer, Site.LAYER_OUTPUT, false),
                    new DeltaOptimizer.Settings(15, 0.5, 0.5, 4, 0.0625, 0.0));
            String prompt = r.filledPrompt();
            int[] ids = CharTokenizer.INSTANCE.encode(prompt, true);
            int at = prompt.indexOf("abc") + 2;
            int d = model.architecture().hiddenSize();
            double[] v0 = new double[d];
            try (ForwardResult f = model.forward(ForwardRequest.builder(List.of(ids)).capture(layer, Site.MLP_OUTPUT)
                    .build())) {
                float[] out = f.capture(layer, Site.MLP_OUTPUT).toFloatArray();
                for (int i = 0; i < d; i++) {
                    v0[i] = out[at * d + i];
                }
            }
            List<Map<String, Object>> records = new ArrayList<>();
            assertArrayEquals(o.target(), NormAnchor.target(model, r, Locators.SUBJECT_LAST, layer, Site.LAYER_OUTPUT,
                    o, 0, records), 0, "off: the target as solved");
            assertTrue(records.isEmpty());
            double[] target = NormAnchor.target(model, r, Locators.SUBJECT_LAST, layer, Site.LAYER_OUTPUT, o, 1,
                    records);
            double[] expected = plus(o.initial(), NormAnchor.restrain(o.delta(), v0, 1).delta());
            assertArrayEquals(expected, target, 1e-4 * norm(expected), "z' = z₀ + (v*' − v₀), v₀ read independently");
            assertEquals(1, records.size());
            assertEquals("abc", records.get(0).get("subject"));
            assertEquals(Map.of("ratio", 1.0, "values", records), NormAnchor.describe(1, records));
            assertEquals(false, NormAnchor.describe(0, List.of()));
        }
    }
}
