package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.ForwardRequest;
import dev.amend.spi.ForwardResult;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.Site;
import dev.amend.spi.TextTokenizer;
import dev.amend.spi.kit.DeltaOptimizer;
import dev.amend.spi.kit.LayerStatistics;
import dev.amend.spi.kit.TextCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's model-facing steps on a tiny random model, against plain recomputations. */
class KitWithModelTest {
    static final TextTokenizer CHARS = CharTokenizer.INSTANCE;

    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 5, CHARS);

    @AfterAll
    static void close() {
        MODEL.close();
    }

    @TempDir
    Path cache;

    @Test
    void layerStatisticsEqualThePlainAverageOfKeyOuterProductsAndAreCached() throws IOException {
        TextCorpus corpus = TextCorpus.of("t", List.of("the cat sat on the mat", "a dog barked", "x".repeat(10)));
        Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(MODEL, List.of(0, 2), corpus, 10_000,
                cache, ProgressListener.NONE);
        // plain recomputation: the same token stream (documents joined by end-of-text), keys captured one sequence
        List<Integer> stream = new ArrayList<>();
        for (String d : corpus.documents()) {
            for (int id : CHARS.encode(d, true)) {
                stream.add(id);
            }
            stream.add(2);
        }
        int[] ids = stream.stream().mapToInt(Integer::intValue).toArray();
        for (int layer : List.of(0, 2)) {
            double[] expected = new double[128 * 128];
            try (ForwardResult r = MODEL.forward(ForwardRequest.builder(List.of(ids)).capture(layer, Site.MLP_KEY)
                    .build())) {
                float[] k = r.capture(layer, Site.MLP_KEY).toFloatArray();
                for (int t = 0; t < ids.length; t++) {
                    for (int i = 0; i < 128; i++) {
                        for (int j = 0; j < 128; j++) {
                            expected[i * 128 + j] += (double) k[t * 128 + i] * k[t * 128 + j] / ids.length;
                        }
                    }
                }
            }
            LayerStatistics.Moment m = stats.get(layer);
            assertEquals(ids.length, m.tokens());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], m.secondMoment()[i], 1e-4 * Math.max(1, Math.abs(expected[i])));
            }
        }
        Map<Integer, LayerStatistics.Moment> again = LayerStatistics.collect(MODEL, List.of(2, 0), corpus, 10_000,
                cache, ProgressListener.NONE);
        assertTrue(again.get(0).fromCache() && again.get(2).fromCache());
        assertArrayEquals(stats.get(2).secondMoment(), again.get(2).secondMoment(), 0.0);
        try (var files = Files.walk(cache)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left behind");
        }
        // a damaged cache file is not trusted: the statistics are computed again
        Path file = LayerStatistics.cacheFile(cache, MODEL, 0, corpus, 10_000);
        Files.write(file, new byte[] {1, 2, 3});
        LayerStatistics.Moment fresh = LayerStatistics.collect(MODEL, List.of(0), corpus, 10_000, cache,
                ProgressListener.NONE).get(0);
        assertFalse(fresh.fromCache());
        assertArrayEquals(stats.get(0).secondMoment(), fresh.secondMoment(), 0.0);
    }

    @Test
    void deltaOptimisationMakesTheTargetLikelyAndReusingTheLowerLayersChangesNothing() {
        int[] prompt = {5, 9, 14, 20, 7};
        int[] target = {33, 41};
        DeltaOptimizer.Problem p = new DeltaOptimizer.Problem(1, Site.MLP_OUTPUT, List.of(
                DeltaOptimizer.Row.rewrite(prompt, 2, target),
                DeltaOptimizer.Row.rewrite(new int[] {11, 12, 5, 9, 14, 20, 7}, 4, target),
                DeltaOptimizer.Row.kl(new int[] {5, 9, 14, 50}, 2)), 0, List.of());
        DeltaOptimizer.Settings s = new DeltaOptimizer.Settings(30, 0.5, 0.5, 50, 0.0625, 0.0);
        DeltaOptimizer.Outcome reused = DeltaOptimizer.optimise(MODEL, p, s, true);
        DeltaOptimizer.Outcome full = DeltaOptimizer.optimise(MODEL, p, s, false);
        assertTrue(reused.reusedLower() && !full.reusedLower());
        assertTrue(reused.losses().stream().allMatch(Double::isFinite), "finite losses " + reused.losses());
        assertTrue(reused.losses().get(reused.losses().size() - 1) < reused.losses().get(0) - 0.5,
                "loss fell from " + reused.losses().get(0) + " to " + reused.losses());
        for (int i = 0; i < reused.delta().length; i++) {
            assertEquals(full.delta()[i], reused.delta()[i], 1e-3);
        }
        double norm = Math.sqrt(dot(reused.delta(), reused.delta()));
        assertTrue(norm <= 50 * Math.sqrt(dot(reused.initial(), reused.initial())) + 1e-6, "clamped");
        // v0 is the MLP output at the reference row's delta position before the edit
        try (ForwardResult r = MODEL.forward(ForwardRequest.builder(List.of(prompt)).capture(1, Site.MLP_OUTPUT)
                .build())) {
            float[] v = r.capture(1, Site.MLP_OUTPUT).get(0).get(2).toFloatArray();
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], reused.initial()[i], 1e-5);
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
