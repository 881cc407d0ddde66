package dev.amend.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Sampling;
import dev.amend.spi.model.Site;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Hooks, resume, gradients, KV cache and weight writes, checked against the plain forward pass. */
class TransformerMechanicsTest {
    private static final Transformer GPT2 = TinyModels.random(TinyModels.gpt2(), 1);
    private static final Transformer LLAMA = TinyModels.random(TinyModels.llama(), 2);
    private static final int[] IDS = {3, 17, 42, 5, 9, 11, 60, 2};

    static Stream<String> models() {
        return Stream.of("gpt2", "llama");
    }

    private static Transformer model(String name) {
        return name.equals("gpt2") ? GPT2 : LLAMA;
    }

    @AfterAll
    static void close() {
        GPT2.close();
        LLAMA.close();
    }

    private static float[] logits(Transformer m, ForwardRequest r) {
        try (ForwardResult res = m.forward(r)) {
            return res.logits().toFloatArray();
        }
    }

    static void assertClose(float[] a, float[] b, double tol) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max <= tol, "max difference " + max + " > " + tol);
    }

    @ParameterizedTest
    @MethodSource("models")
    void resumingFromACapturedLayerInputGivesTheSameLogits(String name) {
        Transformer m = model(name);
        float[] full = logits(m, ForwardRequest.of(List.of(IDS)));
        try (ForwardResult below = m.forward(ForwardRequest.builder(List.of(IDS)).capture(2, Site.LAYER_INPUT)
                .stopAfter(1).build())) {
            float[] resumed = logits(m, ForwardRequest.builder(List.of(IDS))
                    .resume(2, below.capture(2, Site.LAYER_INPUT)).build());
            assertClose(full, resumed, 1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void anInterventionAtTheMlpOutputAddsItsVectorAtItsPositionOnly(String name) {
        Transformer m = model(name);
        try (NDManager nd = m.manager().newSubManager()) {
            NDArray v = nd.randomNormal(new ai.djl.ndarray.types.Shape(32));
            float[] plain;
            float[] changed;
            try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS)).capture(1, Site.MLP_OUTPUT)
                    .capture(1, Site.LAYER_OUTPUT).build())) {
                plain = r.capture(1, Site.MLP_OUTPUT).toFloatArray();
            }
            try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS))
                    .intervene(new Intervention(1, Site.MLP_OUTPUT, 0, 4, v)).capture(1, Site.MLP_OUTPUT).build())) {
                changed = r.capture(1, Site.MLP_OUTPUT).toFloatArray();
            }
            float[] vec = v.toFloatArray();
            for (int t = 0; t < IDS.length; t++) {
                for (int i = 0; i < 32; i++) {
                    float expected = plain[t * 32 + i] + (t == 4 ? vec[i] : 0);
                    assertEquals(expected, changed[t * 32 + i], 1e-5, "t=" + t + " i=" + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void gradientsThroughAnInterventionMatchFiniteDifferences(String name) {
        Transformer m = model(name);
        try (NDManager nd = m.manager().newSubManager()) {
            NDArray delta = nd.zeros(new ai.djl.ndarray.types.Shape(32));
            delta.setRequiresGradient(true);
            float[] grad;
            try (GradientCollector gc = nd.getEngine().newGradientCollector();
                 ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS)).gradients(true)
                         .intervene(new Intervention(1, Site.MLP_OUTPUT, 0, 3, delta)).build())) {
                NDArray loss = r.logits().get(new NDIndex("0, -1, 7"));
                gc.backward(loss);
                grad = delta.getGradient().toFloatArray();
            }
            double h = 1e-2;
            for (int i : new int[] {0, 5, 31}) {
                float[] e = new float[32];
                e[i] = (float) h;
                NDArray plus = nd.create(e);
                NDArray minus = plus.neg();
                double fp = logits(m, ForwardRequest.builder(List.of(IDS))
                        .intervene(new Intervention(1, Site.MLP_OUTPUT, 0, 3, plus)).build())[(IDS.length - 1) * 64 + 7];
                double fm = logits(m, ForwardRequest.builder(List.of(IDS))
                        .intervene(new Intervention(1, Site.MLP_OUTPUT, 0, 3, minus)).build())[(IDS.length - 1) * 64 + 7];
                assertEquals((fp - fm) / (2 * h), grad[i], 2e-2 * Math.max(1, Math.abs(grad[i])), "component " + i);
            }
            assertTrue(!m.weight(m.architecture().editPoint(0).weight()).hasGradient(), "weights stay frozen");
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void greedyGenerationWithTheCacheEqualsArgmaxOfFullForwards(String name) {
        Transformer m = model(name);
        GenerationResult g = m.generate(new GenerationRequest(new int[] {3, 17, 42}, 12, Sampling.GREEDY, false));
        int[] seq = {3, 17, 42};
        for (int step = 0; step < 12; step++) {
            float[] l = logits(m, ForwardRequest.of(List.of(seq)));
            int best = 0;
            int off = (seq.length - 1) * 64;
            for (int i = 1; i < 64; i++) {
                if (l[off + i] > l[off + best]) {
                    best = i;
                }
            }
            assertEquals(best, g.generatedIds()[step], "step " + step);
            seq = java.util.Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void seededSamplingRepeats(String name) {
        Transformer m = model(name);
        Sampling s = new Sampling(1.0, 10, 42);
        int[] a = m.generate(new GenerationRequest(new int[] {3, 4}, 10, s, false)).generatedIds();
        int[] b = m.generate(new GenerationRequest(new int[] {3, 4}, 10, s, false)).generatedIds();
        assertArrayEquals(a, b);
    }

    @ParameterizedTest
    @MethodSource("models")
    void aLowRankDeltaChangesTheWeightInOutInOrientation(String name) {
        Transformer m = model(name);
        EditPoint p = m.architecture().editPoint(1);
        float[] before;
        try (NDManager nd = m.manager().newSubManager()) {
            before = m.linearWeight(p, nd).toFloatArray();
        }
        float[] u = new float[p.outFeatures()];
        float[] v = new float[p.inFeatures()];
        u[2] = 1f;
        v[5] = 0.5f;
        WeightDelta d = new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1, u, v);
        m.addToWeight(d);
        try (NDManager nd = m.manager().newSubManager()) {
            float[] after = m.linearWeight(p, nd).toFloatArray();
            for (int i = 0; i < after.length; i++) {
                float expected = before[i] + (i == 2 * p.inFeatures() + 5 ? 0.5f : 0f);
                assertEquals(expected, after[i], 1e-6);
            }
        } finally {
            m.addToWeight(d.negate());
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void namedModulesMapOntoTheirSites(String name) {
        Transformer m = model(name);
        String down = m.architecture().editPoint(2).module();
        String block = down.substring(0, down.indexOf(".mlp."));
        try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS))
                .capture(dev.amend.spi.model.Capture.module(m.architecture(), down, true))
                .capture(dev.amend.spi.model.Capture.module(m.architecture(), down, false))
                .capture(dev.amend.spi.model.Capture.module(m.architecture(), block, false)).build())) {
            assertEquals(m.architecture().intermediateSize(), r.capture(2, Site.MLP_KEY).getShape().get(2));
            assertEquals(32, r.capture(2, Site.MLP_OUTPUT).getShape().get(2));
            assertEquals(32, r.capture(2, Site.LAYER_OUTPUT).getShape().get(2));
        }
        assertThrows(InvalidRequestException.class,
                () -> dev.amend.spi.model.Capture.module(m.architecture(), "lm_head", false));
    }

    @ParameterizedTest
    @MethodSource("models")
    void aPromptLongerThanTheContextIsRefusedWithAClearMessage(String name) {
        Transformer m = model(name);
        int[] tooLong = new int[65];
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> m.forward(ForwardRequest.of(List.of(tooLong))));
        assertTrue(e.getMessage().contains("longer than the model's context of 64"), e.getMessage());
    }
}
