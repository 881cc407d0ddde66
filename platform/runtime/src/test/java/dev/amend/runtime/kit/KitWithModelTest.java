package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.Locators;
import dev.amend.kit.RankOneSpread;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.TextTokenizer;
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
    void layerStatisticsAverageKeyOuterProductsOverEachTextAsItsOwnSequenceAndAreCached() throws IOException {
        int context = MODEL.architecture().maxContext();
        TextCorpus corpus = TextCorpus.of("t", List.of("the cat sat on the mat", "a dog barked",
                "x".repeat(context + 10), "never read"));
        Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(MODEL, List.of(0, 2), corpus,
                LayerStatistics.Sample.texts(3), cache, ProgressListener.NONE);
        // plain recomputation: each text alone from position 0, cut to the context, no end-of-text token
        for (int layer : List.of(0, 2)) {
            double[] expected = new double[128 * 128];
            long tokens = 0;
            List<int[]> texts = new ArrayList<>();
            for (String d : corpus.documents().subList(0, 3)) {
                int[] ids = CHARS.encode(d, true);
                texts.add(java.util.Arrays.copyOf(ids, Math.min(ids.length, context)));
                tokens += Math.min(ids.length, context);
            }
            for (int[] ids : texts) {
                try (ForwardResult r = MODEL.forward(ForwardRequest.builder(List.of(ids)).capture(layer, Site.MLP_KEY)
                        .build())) {
                    float[] k = r.capture(layer, Site.MLP_KEY).toFloatArray();
                    for (int t = 0; t < ids.length; t++) {
                        for (int i = 0; i < 128; i++) {
                            for (int j = 0; j < 128; j++) {
                                expected[i * 128 + j] += (double) k[t * 128 + i] * k[t * 128 + j];
                            }
                        }
                    }
                }
            }
            LayerStatistics.Moment m = stats.get(layer);
            assertEquals(tokens, m.tokens());
            assertEquals(3, m.texts());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i] / tokens, m.secondMoment()[i], 1e-4 * Math.max(1, Math.abs(expected[i] / tokens)));
            }
        }
        // more texts than the corpus holds: all of them, and the edit's record says so
        Map<Integer, LayerStatistics.Moment> all = LayerStatistics.collect(MODEL, List.of(0), corpus,
                LayerStatistics.Sample.texts(100_000), null, ProgressListener.NONE);
        assertEquals(4, all.get(0).texts());
        assertEquals(List.of("mom2_n_samples asks for 100000 texts but the corpus holds 4: the statistics use all 4 "
                + "texts (" + all.get(0).tokens() + " tokens)"), LayerStatistics.describe(all, 100_000).get("warnings"));
        // a token budget takes whole texts in order and cuts the last one
        LayerStatistics.Drawn budget = LayerStatistics.draw(MODEL, corpus, LayerStatistics.Sample.tokens(30));
        assertEquals(30, budget.tokens());
        assertEquals(2, budget.texts());
        Map<Integer, LayerStatistics.Moment> again = LayerStatistics.collect(MODEL, List.of(2, 0), corpus,
                LayerStatistics.Sample.texts(3), cache, ProgressListener.NONE);
        assertTrue(again.get(0).fromCache() && again.get(2).fromCache());
        assertArrayEquals(stats.get(2).secondMoment(), again.get(2).secondMoment(), 0.0);
        try (var files = Files.walk(cache)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left behind");
        }
        // a damaged cache file is not trusted: the statistics are computed again
        Path file = LayerStatistics.cacheFile(cache, MODEL, 0, corpus,
                LayerStatistics.draw(MODEL, corpus, LayerStatistics.Sample.texts(3)));
        assertTrue(Files.isRegularFile(file) && file.getFileName().toString().contains("-texts3-tokens"), file.toString());
        Files.write(file, new byte[] {1, 2, 3});
        LayerStatistics.Moment fresh = LayerStatistics.collect(MODEL, List.of(0), corpus,
                LayerStatistics.Sample.texts(3), cache, ProgressListener.NONE).get(0);
        assertFalse(fresh.fromCache());
        assertArrayEquals(stats.get(0).secondMoment(), fresh.secondMoment(), 0.0);
    }

    @Test
    void theTargetLossIsReadAfterTheLossLayerThroughTheFinalNormAndHead() {
        int[] row = {5, 9, 14, 20, 7, 33};
        DeltaOptimizer.Problem p = new DeltaOptimizer.Problem(1, Site.LAYER_OUTPUT,
                List.of(DeltaOptimizer.Row.rewrite(new int[] {5, 9, 14, 20, 7}, 2, new int[] {33, 41})), 0, List.of());
        int last = MODEL.architecture().layers() - 1;
        DeltaOptimizer.Outcome logits = DeltaOptimizer.optimise(MODEL, p, new DeltaOptimizer.Settings(3, 0.5, 0.5, 4, 0,
                0, -1));
        DeltaOptimizer.Outcome atLast = DeltaOptimizer.optimise(MODEL, p, new DeltaOptimizer.Settings(3, 0.5, 0.5, 4, 0,
                0, last));
        DeltaOptimizer.Outcome early = DeltaOptimizer.optimise(MODEL, p, new DeltaOptimizer.Settings(3, 0.5, 0.5, 4, 0,
                0, 1));
        assertEquals(logits.losses(), atLast.losses(), "the last layer's output through the head is the logits");
        // at δ = 0 the loss is the targets' NLL under the head applied to block 1's output
        double nll;
        try (ForwardResult r = MODEL.forward(ForwardRequest.builder(List.of(row)).capture(1, Site.LAYER_OUTPUT)
                .build())) {
            float[] logp = MODEL.logits(r.capture(1, Site.LAYER_OUTPUT)).logSoftmax(-1).toFloatArray();
            int v = MODEL.architecture().vocabSize();
            nll = -(logp[4 * v + 33] + logp[5 * v + 41]) / 2;
        }
        assertEquals(nll, early.losses().get(0), 1e-4);
        assertTrue(Math.abs(early.losses().get(0) - logits.losses().get(0)) > 1e-3, early.losses() + " " + logits.losses());
        assertThrows(InvalidRequestException.class, () -> DeltaOptimizer.optimise(MODEL, p,
                new DeltaOptimizer.Settings(3, 0.5, 0.5, 4, 0, 0, last + 1)));
    }

    @Test
    void anOptimisationWithoutAFiniteStepIsRefusedWithAClearMessage() {
        double[] nan = new double[MODEL.architecture().hiddenSize()];
        java.util.Arrays.fill(nan, Double.NaN);
        DeltaOptimizer.Problem p = new DeltaOptimizer.Problem(1, Site.LAYER_OUTPUT,
                List.of(DeltaOptimizer.Row.rewrite(new int[] {5, 9, 14, 20, 7}, 2, new int[] {33, 41})), 0,
                List.of(new DeltaOptimizer.Fixed(nan, new int[] {1})));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DeltaOptimizer.optimise(MODEL, p,
                new DeltaOptimizer.Settings(3, 0.5, 0.5, 4, 0, 0)));
        assertTrue(e.getMessage().contains("no finite step"), e.getMessage());
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
        // the same forward: the first loss agrees to rounding; afterwards Adam's normalised steps turn rounding
        // differences in near-zero gradient coordinates into ±lr steps, so δ is compared by what it does
        assertEquals(full.losses().get(0), reused.losses().get(0), 1e-5 * Math.abs(full.losses().get(0)));
        for (int i = 0; i < Math.min(full.losses().size(), reused.losses().size()); i++) {
            assertEquals(full.losses().get(i), reused.losses().get(i), 0.02 * Math.abs(full.losses().get(i)),
                    "loss at step " + i + ": " + full.losses() + " vs " + reused.losses());
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

    @Test
    void aSpreadDeltaActsExactlyLikeTheRankOneUpdateItInserts() {
        // δ added at every token scaled by uᵀk_t / uᵀk* must give the logits of the model whose down
        // projection got ΔW = δ uᵀ / (uᵀk*): an independent check of RankOneSpread and of the spread pass
        int layer = 1;
        int dff = MODEL.architecture().intermediateSize();
        int d = MODEL.architecture().hiddenSize();
        java.util.Random random = new java.util.Random(3);
        double[] u = new double[dff];
        double[] kStar = new double[dff];
        double[] delta = new double[d];
        for (int i = 0; i < dff; i++) {
            u[i] = random.nextGaussian();
            kStar[i] = u[i] + 0.5 * random.nextGaussian(); // uᵀk* well away from 0
        }
        for (int i = 0; i < d; i++) {
            delta[i] = random.nextGaussian();
        }
        DeltaOptimizer.Problem p = new DeltaOptimizer.Problem(layer, Site.MLP_OUTPUT, List.of(
                DeltaOptimizer.Row.rewrite(new int[] {5, 9, 14, 20, 7}, 2, new int[] {33, 41}),
                DeltaOptimizer.Row.rewrite(new int[] {11, 12, 5, 9, 14, 20, 7}, 4, new int[] {33, 41}),
                DeltaOptimizer.Row.kl(new int[] {5, 9, 14, 50}, 2)), 0, List.of());
        double[][] c = RankOneSpread.coefficients(MODEL, p, u, kStar);
        List<int[]> tokens = p.rows().stream().map(DeltaOptimizer.Row::tokens).toList();
        float[] spreadLogits;
        try (ai.djl.ndarray.NDManager nd = MODEL.manager().newSubManager()) {
            int b = tokens.size();
            int t = tokens.stream().mapToInt(x -> x.length).max().orElseThrow();
            float[] add = new float[b * t * d];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < c[i].length; j++) {
                    for (int a = 0; a < d; a++) {
                        add[(i * t + j) * d + a] = (float) (c[i][j] * delta[a]);
                    }
                }
            }
            try (ForwardResult r = MODEL.forward(ForwardRequest.builder(tokens).add(new dev.amend.spi.model.SiteAddition(
                    layer, Site.MLP_OUTPUT, nd.create(add, new ai.djl.ndarray.types.Shape(b, t, d)))).build())) {
                spreadLogits = r.logits().toFloatArray();
            }
        }
        String w = MODEL.architecture().editPoint(layer).weight();
        float[] editedLogits;
        try (WeightSnapshot snap = WeightSnapshot.of(MODEL, List.of(w))) {
            MODEL.addToWeight(LeastSquares.rankOne(delta, u, kStar).toWeightDelta(w));
            try (ForwardResult r = MODEL.forward(ForwardRequest.builder(tokens).build())) {
                editedLogits = r.logits().toFloatArray();
            }
            snap.restore();
        }
        assertEquals(editedLogits.length, spreadLogits.length);
        int v = MODEL.architecture().vocabSize();
        int t = tokens.stream().mapToInt(x -> x.length).max().orElseThrow();
        for (int i = 0; i < tokens.size(); i++) {
            for (int j = 0; j < tokens.get(i).length; j++) { // padding positions of shorter rows are not compared
                for (int a = 0; a < v; a++) {
                    int at = (i * t + j) * v + a;
                    assertEquals(editedLogits[at], spreadLogits[at], 1e-3 * Math.max(1, Math.abs(editedLogits[at])),
                            "row " + i + " position " + j + " logit " + a);
                }
            }
        }
        // and the optimisation through the spread learns: the loss falls
        DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(MODEL, p.withSpread(c),
                new DeltaOptimizer.Settings(30, 0.5, 0.5, 50, 0.0625, 0.0));
        assertTrue(o.losses().get(o.losses().size() - 1) < o.losses().get(0) - 0.5,
                "loss fell from " + o.losses().get(0) + " to " + o.losses());
    }

    @Test
    void preservingThePromptTokensKeepsTheirOutputsWhileTheLocatedTokensStillChange() {
        // enough varied tokens (seeded letters) for a full-rank E[kkᵀ] of the 128-wide keys
        java.util.Random letters = new java.util.Random(5);
        List<String> docs = new ArrayList<>(List.of("the cat sat on the mat", "the capital of the land is far"));
        for (int i = 0; i < 40; i++) {
            StringBuilder doc = new StringBuilder();
            for (int j = 0; j < 40; j++) {
                doc.append(letters.nextInt(6) == 0 ? ' ' : (char) ('a' + letters.nextInt(26)));
            }
            docs.add(doc.toString());
        }
        TextCorpus corpus = TextCorpus.of("letters", docs);
        int dff = MODEL.architecture().intermediateSize();
        int d = MODEL.architecture().hiddenSize();
        Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(MODEL, List.of(0, 1), corpus, 10_000,
                cache, ProgressListener.NONE);
        List<dev.amend.spi.edit.EditRequest> requests = List.of(
                dev.amend.spi.edit.EditRequest.of("the capital of {} is", "abc", " xyz"),
                dev.amend.spi.edit.EditRequest.of("the capital of {} is", "mno", " pqr"),
                dev.amend.spi.edit.EditRequest.of("the capital of {} is", "ghi", " uvw"));
        DistributedInsertion.LayerSolver solver = (layer, k, r, n) -> LeastSquares.memit(k, r,
                stats.get(layer).secondMoment(), dff, d, n, 1.0);
        dev.amend.spi.edit.EditContext ctx = new dev.amend.spi.edit.EditContext(1, ProgressListener.NONE, () -> false, cache,
                corpus, List.of());
        DeltaOptimizer.Settings ds = new DeltaOptimizer.Settings(20, 0.5, 0.5, 4, 0.0625, 0.0);
        DistributedInsertion.Result plain = DistributedInsertion.run(MODEL, requests, ctx,
                new DistributedInsertion.Settings(List.of(0, 1), Locators.SUBJECT_LAST, ds, List.of()), solver);
        DistributedInsertion.Result kept = DistributedInsertion.run(MODEL, requests, ctx,
                new DistributedInsertion.Settings(List.of(0, 1), Locators.SUBJECT_LAST, ds, List.of(), true, 1), solver);
        assertEquals(0, plain.metadata().get("preserved_keys"));
        assertTrue((Integer) kept.metadata().get("preserved_keys") > 30, kept.metadata().toString());
        assertEquals(3 * dff, kept.keys().get(0).length, "only the edited keys are reported");
        assertTrue(plain.promptKeys().isEmpty());
        for (int layer : List.of(0, 1)) {   // no context templates: the bare prompts are all the preserved rows
            assertEquals((Integer) kept.metadata().get("preserved_keys") * dff, kept.promptKeys().get(layer).length,
                    "prompt keys of layer " + layer);
        }
        // block 0's MLP output changes by exactly ΔW₀ k_t (its keys do not depend on any edit): compare it at the
        // located tokens and at every other token of the prompts
        double[] plainChange = mlpChange(requests, plain);
        double[] keptChange = mlpChange(requests, kept);
        assertTrue(keptChange[1] < 0.05 * plainChange[1], "other tokens: " + keptChange[1] + " with, "
                + plainChange[1] + " without preserving them");
        assertTrue(keptChange[0] > 0.3 * plainChange[0], "located tokens: " + keptChange[0] + " with, "
                + plainChange[0] + " without preserving the others");
        // a second pass inserts part of what the first left of the residual, into the same one delta per layer
        DistributedInsertion.Result twice = DistributedInsertion.run(MODEL, requests, ctx,
                new DistributedInsertion.Settings(List.of(0, 1), Locators.SUBJECT_LAST, ds, List.of(), true, 2), solver);
        assertEquals(2, twice.deltas().size());
        double once = (Double) kept.metadata().get("mean_residual_norm_after_insertion");
        double again = (Double) twice.metadata().get("mean_residual_norm_after_insertion");
        assertTrue(again < 0.9 * once, "residual left after one pass " + once + ", after two " + again);
    }

    /** Returns Σ‖Δ MLP output of block 0‖² at the located tokens [0] and at the prompts' other tokens [1]. */
    private static double[] mlpChange(List<dev.amend.spi.edit.EditRequest> requests, DistributedInsertion.Result r) {
        List<int[]> tokens = new ArrayList<>();
        List<Integer> located = new ArrayList<>();
        for (dev.amend.spi.edit.EditRequest q : requests) {
            tokens.add(CHARS.encode(q.filledPrompt(), true));
            located.add(Locators.locate(Locators.SUBJECT_LAST, CHARS, "", q));
        }
        float[] before;
        float[] after;
        int t;
        try (ForwardResult res = MODEL.forward(ForwardRequest.builder(tokens).stopAfter(0)
                .capture(0, Site.MLP_OUTPUT).build())) {
            before = res.capture(0, Site.MLP_OUTPUT).toFloatArray();
            t = (int) res.capture(0, Site.MLP_OUTPUT).getShape().get(1);
        }
        List<String> weights = r.deltas().stream().map(dev.amend.spi.edit.WeightDelta::weight).toList();
        try (WeightSnapshot snap = WeightSnapshot.of(MODEL, weights)) {
            r.deltas().forEach(MODEL::addToWeight);
            try (ForwardResult res = MODEL.forward(ForwardRequest.builder(tokens).stopAfter(0)
                    .capture(0, Site.MLP_OUTPUT).build())) {
                after = res.capture(0, Site.MLP_OUTPUT).toFloatArray();
            }
            snap.restore();
        }
        int d = MODEL.architecture().hiddenSize();
        double[] out = new double[2];
        for (int b = 0; b < tokens.size(); b++) {
            for (int p = 0; p < tokens.get(b).length; p++) {
                double sq = 0;
                for (int a = 0; a < d; a++) {
                    double x = after[(b * t + p) * d + a] - before[(b * t + p) * d + a];
                    sq += x * x;
                }
                out[p == located.get(b) ? 0 : 1] += sq;
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
