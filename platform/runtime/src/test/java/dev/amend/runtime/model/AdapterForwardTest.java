package dev.amend.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Adapters in the forward pass: where they act, in what order, in generation, and how they are refused. */
class AdapterForwardTest {
    private static final int[] IDS = {3, 17, 42, 5, 9, 11, 60, 2};

    private static float[] logits(Transformer m, ForwardRequest r) {
        try (ForwardResult res = m.forward(r)) {
            return res.logits().toFloatArray();
        }
    }

    private static float[] vector(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 0.5f;
        }
        return v;
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void anAdapterActsOnTheMlpOutputOfItsBlockAndLeavesNoTraceWhenRemoved() {
        for (TransformerConfig config : List.of(TinyModels.gpt2(), TinyModels.llama())) {
            try (Transformer m = TinyModels.random(config, 3)) {
                int d = m.architecture().hiddenSize();
                float[] shift = vector(d, 1);
                float[] base = logits(m, ForwardRequest.of(List.of(IDS)));
                float[] added;
                try (NDManager nd = m.manager().newSubManager()) {
                    NDArray whole = nd.create(shift, new Shape(1, 1, d)).repeat(1, IDS.length);
                    added = logits(m, ForwardRequest.builder(List.of(IDS)).add(new SiteAddition(1, Site.MLP_OUTPUT,
                            whole)).build());
                }
                Adapter a = ShiftAdapterKind.adapter(1, 1f, shift);
                m.addAdapter(a);
                assertEquals(List.of(a), m.adapters());
                float[] adapted = logits(m, ForwardRequest.of(List.of(IDS)));
                assertTrue(maxDifference(added, adapted) < 1e-5, config.family() + ": " + maxDifference(added, adapted));
                assertTrue(maxDifference(base, adapted) > 1e-3, "the adapter changed nothing");
                assertTrue(m.removeAdapter(a));
                assertFalse(m.removeAdapter(a));
                assertArrayEquals(base, logits(m, ForwardRequest.of(List.of(IDS))));
            }
        }
    }

    @Test
    void adaptersOfOneKindAtOneBlockApplyOldestFirstAndAModuleIsExtendedNotRebuilt() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 4)) {
            int d = m.architecture().hiddenSize();
            float[] base = logits(m, ForwardRequest.of(List.of(IDS)));
            Adapter first = ShiftAdapterKind.adapter(2, 0.5f, vector(d, 2));
            Adapter second = ShiftAdapterKind.adapter(2, 2f, vector(d, 3));
            int built = ShiftAdapterKind.BUILT.get();
            int extended = ShiftAdapterKind.EXTENDED.get();
            m.addAdapter(first);
            m.addAdapter(second);
            assertEquals(built + 1, ShiftAdapterKind.BUILT.get());
            assertEquals(extended + 1, ShiftAdapterKind.EXTENDED.get());
            float[] inOrder = logits(m, ForwardRequest.of(List.of(IDS)));
            m.setAdapters(List.of(second, first));
            float[] reversed = logits(m, ForwardRequest.of(List.of(IDS)));
            assertTrue(maxDifference(inOrder, reversed) > 1e-3, "scale-then-shift adapters do not commute");
            m.setAdapters(List.of(first, second));
            assertArrayEquals(inOrder, logits(m, ForwardRequest.of(List.of(IDS))));
            Adapter other = ShiftAdapterKind.adapter(0, 1f, vector(d, 4));
            m.addAdapter(other);
            assertEquals(2, m.removeAdapters(List.of(first, other)));
            assertEquals(List.of(second), m.adapters());
            m.setAdapters(List.of());
            assertEquals(List.of(), m.adapters());
            assertArrayEquals(base, logits(m, ForwardRequest.of(List.of(IDS))));
        }
    }

    @Test
    void generationWithTheKvCacheSeesTheAdaptersAsTheFullForwardDoes() {
        try (Transformer m = TinyModels.random(TinyModels.llama(), 5)) {
            int[] prompt = {3, 17, 42};
            float[] before = logits(m, ForwardRequest.of(List.of(prompt)));
            m.addAdapter(ShiftAdapterKind.adapter(0, -1f, vector(m.architecture().hiddenSize(), 9)));
            assertTrue(maxDifference(before, logits(m, ForwardRequest.of(List.of(prompt)))) > 1e-3);
            int[] gen = m.generate(GenerationRequest.greedy(prompt, 6)).generatedIds();
            int[] all = new int[prompt.length + gen.length - 1];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(gen, 0, all, prompt.length, gen.length - 1);
            float[] logits = logits(m, ForwardRequest.of(List.of(all)));
            int vocab = m.architecture().vocabSize();
            for (int i = 0; i < gen.length; i++) {
                int at = prompt.length - 1 + i;
                int best = 0;
                for (int v = 1; v < vocab; v++) {
                    if (logits[at * vocab + v] > logits[at * vocab + best]) {
                        best = v;
                    }
                }
                assertEquals(gen[i], best, "token " + i);
            }
        }
    }

    @Test
    void anUnknownKindALayerTheModelLacksAndABadStateAreRefusedAndNothingChanges() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 6)) {
            int d = m.architecture().hiddenSize();
            Adapter unknown = Adapter.of("no-such-kind", 0, Map.of());
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> m.addAdapter(unknown));
            assertTrue(e.getMessage().contains("\"no-such-kind\" is not installed")
                    && e.getMessage().contains(ShiftAdapterKind.KIND), e.getMessage());
            e = assertThrows(InvalidRequestException.class,
                    () -> m.addAdapter(ShiftAdapterKind.adapter(7, 1f, vector(d, 1))));
            assertTrue(e.getMessage().contains("layer 7") && e.getMessage().contains("layers 0..2"), e.getMessage());
            e = assertThrows(InvalidRequestException.class,
                    () -> m.addAdapter(ShiftAdapterKind.adapter(0, 1f, vector(d + 1, 1))));
            assertTrue(e.getMessage().contains("hidden size"), e.getMessage());
            assertEquals(List.of(), m.adapters());
            Adapter ok = ShiftAdapterKind.adapter(0, 1f, vector(d, 1));
            m.addAdapter(ok);
            assertThrows(InvalidRequestException.class, () -> m.addAdapter(ok));
            m.useAdapterKinds(AdapterKinds.of(List::of));
            e = assertThrows(InvalidRequestException.class,
                    () -> m.addAdapter(ShiftAdapterKind.adapter(0, 1f, vector(d, 2))));
            assertTrue(e.getMessage().contains("installed adapter kinds: none"), e.getMessage());
            assertEquals(List.of(ok), m.adapters());
        }
    }

    @Test
    void anEditWhoseAdapterIsRefusedChangesNoWeight() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 8)) {
            String hash = m.weightsHash();
            var p = m.architecture().editPoint(0);
            Edit edit = new Edit("test", "1", List.of(), Map.of(), List.of(),
                    List.of(new dev.amend.spi.edit.WeightDelta.Dense(p.weight(), p.outFeatures(), p.inFeatures(),
                            vector(p.outFeatures() * p.inFeatures(), 4))), Map.of(),
                    List.of(Adapter.of("no-such-kind", 0, Map.of())));
            assertThrows(InvalidRequestException.class, () -> edit.applyTo(m));
            assertEquals(hash, m.weightsHash());
            assertEquals(List.of(), m.adapters());
        }
    }
}
