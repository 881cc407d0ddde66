package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.trace.CausalTrace;
import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.kit.trace.TraceRequest;
import dev.amend.kit.trace.TraceSettings;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Causal traces on a tiny random model, against restorations computed directly with additive interventions. */
class CausalTraceTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 21, CharTokenizer.INSTANCE);
    static final TraceRequest REQUEST = new TraceRequest("the home of {} is", "bob", null);
    static final int SAMPLES = 3;

    @AfterAll
    static void close() {
        MODEL.close();
    }

    private static Trace trace(TraceRequest request, int window, long seed) {
        return CausalTrace.run(MODEL, request, new TraceSettings(SAMPLES, 3, window, seed, Double.NaN),
                ProgressListener.NONE, () -> false);
    }

    @Test
    void theIndirectEffectAtOneStateEqualsRestoringItDirectlyByIntervention() {
        Trace trace = trace(REQUEST, 1, 7);
        assertEquals(direct(trace, Site.LAYER_OUTPUT, List.of(1), trace.subjectLast()),
                trace.matrix(TraceKind.RESIDUAL)[1][trace.subjectLast()], 1e-5);
        assertEquals(direct(trace, Site.MLP_OUTPUT, List.of(0), trace.subjectFirst()),
                trace.matrix(TraceKind.MLP)[0][trace.subjectFirst()], 1e-5);
        int last = trace.tokens().size() - 1;
        assertEquals(direct(trace, Site.ATTENTION_OUTPUT, List.of(2), last),
                trace.matrix(TraceKind.ATTENTION)[2][last], 1e-5);
        assertEquals(0.0, trace.matrix(TraceKind.RESIDUAL)[1][0], 0.0, "before the subject nothing is corrupted");
        // restoring the whole last-token stream after the last block gives the clean answer back exactly
        double recovered = trace.cleanProbability() - trace.corruptedProbability();
        assertTrue(Math.abs(recovered) > 1e-3, "the noise hardly changes the answer: " + recovered);
        assertEquals(recovered, trace.matrix(TraceKind.RESIDUAL)[trace.layers() - 1][last], 1e-5);
    }

    @Test
    void aWindowRestoresItsLayersTogether() {
        Trace trace = trace(REQUEST, 2, 7);
        // window 2 around layer 1 restores layers 0 and 1, as ROME centres it
        assertEquals(direct(trace, Site.MLP_OUTPUT, List.of(0, 1), trace.subjectLast()),
                trace.matrix(TraceKind.MLP)[1][trace.subjectLast()], 1e-5);
    }

    /**
     * Returns the indirect effect of restoring {@code site} at {@code layers} and {@code token}, computed one sample
     * at a time: the corrupted run plus, at each layer in turn, the difference between the clean state and the state
     * that layer has once the lower layers are restored.
     */
    private static double direct(Trace trace, Site site, List<Integer> layers, int token) {
        int t = trace.ids().length;
        int d = MODEL.architecture().hiddenSize();
        float[] noise = CausalTrace.noise(trace.seed(), SAMPLES, t, trace.subjectFirst(), trace.subjectLast(), d,
                trace.noise());
        double restored = 0;
        double corrupted = 0;
        try (NDManager nd = MODEL.manager().newSubManager()) {
            NDArray cleanStates;
            try (ForwardResult clean = forward(MODEL, trace, null, List.of(), site, layers)) {
                assertEquals(trace.cleanProbability(), probability(clean, trace.answerId()), 1e-6);
                cleanStates = stack(clean, site, layers, token, nd);
            }
            for (int s = 0; s < SAMPLES; s++) {
                NDArray sample = nd.create(Arrays.copyOfRange(noise, s * t * d, (s + 1) * t * d), new Shape(1, t, d));
                List<Intervention> fixes = new java.util.ArrayList<>();
                for (int i = 0; i < layers.size(); i++) {
                    try (ForwardResult r = forward(MODEL, trace, sample, fixes, site, layers)) {
                        if (i == 0) {
                            corrupted += probability(r, trace.answerId()) / SAMPLES;
                        }
                        NDArray now = r.capture(layers.get(i), site).get(new NDIndex("0, {}", token));
                        NDArray fix = cleanStates.get(i).sub(now);
                        fix.attach(nd);
                        fixes.add(new Intervention(layers.get(i), site, 0, token, fix));
                    }
                }
                try (ForwardResult r = forward(MODEL, trace, sample, fixes, site, layers)) {
                    restored += probability(r, trace.answerId()) / SAMPLES;
                }
            }
        }
        assertEquals(trace.corruptedProbability(), corrupted, 1e-6);
        return restored - corrupted;
    }

    private static ForwardResult forward(Transformer m, Trace trace, NDArray noise, List<Intervention> fixes, Site site,
                                         List<Integer> layers) {
        ForwardRequest.Builder b = ForwardRequest.builder(List.of(trace.ids())).intervene(fixes);
        if (noise != null) {
            b.add(new SiteAddition(0, Site.LAYER_INPUT, noise));
        }
        layers.forEach(l -> b.capture(l, site));
        return m.forward(b.build());
    }

    private static NDArray stack(ForwardResult r, Site site, List<Integer> layers, int token, NDManager nd) {
        NDArray[] rows = new NDArray[layers.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = r.capture(layers.get(i), site).get(new NDIndex("0, {}", token));
        }
        NDArray out = ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(rows));
        out.attach(nd);
        return out;
    }

    private static double probability(ForwardResult r, int answer) {
        return r.logits().get(new NDIndex("0, -1, :")).softmax(-1).getFloat(answer);
    }

    @Test
    void theSameSeedGivesTheSameMatricesAndAnotherSeedOthers() {
        Trace a = trace(REQUEST, 0, 5);
        Trace b = trace(REQUEST, 0, 5);
        Trace c = trace(REQUEST, 0, 6);
        for (TraceKind kind : TraceKind.values()) {
            assertTrue(Arrays.deepEquals(a.matrix(kind), b.matrix(kind)), kind + " differs for the same seed");
            assertFalse(Arrays.deepEquals(a.matrix(kind), c.matrix(kind)), kind + " is equal for another seed");
        }
        assertEquals(a.corruptedProbability(), b.corruptedProbability(), 0.0);
        assertEquals(3 * a.embeddingStd(), a.noise(), 1e-12);
    }

    @Test
    void badRequestsAreRefusedWithMessagesSayingWhatToFix() {
        InvalidRequestException absent = assertThrows(InvalidRequestException.class,
                () -> trace(new TraceRequest("the home of carl is", "bob", null), 0, 1));
        assertTrue(absent.getMessage().contains("is not in the prompt"), absent.getMessage());

        InvalidRequestException unlikely = assertThrows(InvalidRequestException.class,
                () -> trace(new TraceRequest("the home of {} is ", "bob", leastLikelyCharacter()), 0, 1));
        assertTrue(unlikely.getMessage().contains("a trace needs at least 0.01"), unlikely.getMessage());
        assertTrue(unlikely.getMessage().contains("leave the target out"), unlikely.getMessage());

        String longPrompt = "x".repeat(MODEL.architecture().maxContext()) + " of {} is";
        InvalidRequestException tooLong = assertThrows(InvalidRequestException.class,
                () -> trace(new TraceRequest(longPrompt, "bob", null), 0, 1));
        assertTrue(tooLong.getMessage().contains("longer than the model's context"), tooLong.getMessage());
    }

    /** Returns the character the model finds least likely after the prompt (ending in a space, so none is added). */
    private static String leastLikelyCharacter() {
        int[] ids = CharTokenizer.INSTANCE.encode("the home of bob is ", false);
        try (ForwardResult r = MODEL.forward(ForwardRequest.of(List.of(ids)))) {
            float[] p = r.logits().get(new NDIndex("0, -1, :")).softmax(-1).toFloatArray();
            int worst = 3;
            for (int i = 3; i < 64; i++) {
                worst = p[i] < p[worst] ? i : worst;
            }
            assertTrue(p[worst] < CausalTrace.MIN_CLEAN_PROBABILITY, "the least likely character has p " + p[worst]);
            return CharTokenizer.INSTANCE.decode(new int[] {worst});
        }
    }

    @Test
    void aHalfPrecisionModelTracesLikeItsFloat32Original() {
        try (Transformer half = TinyModels.random(TinyModels.gpt2(), 21, CharTokenizer.INSTANCE,
                Residency.of(Precision.FLOAT16, Device.cpu()))) {
            Trace full = trace(REQUEST, 0, 3);
            Trace halved = CausalTrace.run(half, REQUEST, new TraceSettings(SAMPLES, 3, 0, 3, Double.NaN),
                    ProgressListener.NONE, () -> false);
            assertEquals(full.answerId(), halved.answerId());
            assertEquals(full.cleanProbability(), halved.cleanProbability(), 0.01);
            double[][] a = full.matrix(TraceKind.RESIDUAL);
            double[][] b = halved.matrix(TraceKind.RESIDUAL);
            for (int l = 0; l < a.length; l++) {
                for (int t = 0; t < a[l].length; t++) {
                    assertEquals(a[l][t], b[l][t], 0.02, "layer " + l + " token " + t);
                }
            }
        }
    }
}
