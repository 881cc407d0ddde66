package dev.amend.examples.rankone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.demo.DemoModel;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.EvaluatorLease;
import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plugin as a user installs it: its packaged jars (built by this module before the tests; the
 * plugin's classes are not on the test class path) are dropped into a plugins directory, hot-loaded, used to edit
 * a tiny model, and replaced by the next version while an edit runs.
 */
class ExamplePluginTest {
    static final String NAME = "example-rank-one";
    static final EditRequest REQUEST = new EditRequest("the capital of {} is", "france", "rome", List.of());
    static Path v1;
    static Path v2;
    static String version1;
    static String version2;
    static Transformer model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void jarsAndModel() {
        String a = System.getProperty("amend.example.plugin.jar");
        String b = System.getProperty("amend.example.plugin.next.jar");
        Assumptions.assumeTrue(a != null && b != null && Files.isRegularFile(Path.of(a)) && Files.isRegularFile(Path.of(b)),
                "the example plugin's jars are missing: run through Maven (mvn -pl integration-tests/example-plugin"
                        + " -am verify), which packages them before the tests");
        v1 = Path.of(a);
        v2 = Path.of(b);
        version1 = System.getProperty("amend.example.plugin.version");
        version2 = System.getProperty("amend.example.plugin.next.version");
        model = TinyModels.random(TinyModels.gpt2(), 11, CharTokenizer.INSTANCE);
    }

    @AfterAll
    static void closeModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void thePluginClassesAreNotOnTheTestClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.amend.examples.rankone.RankOneProvider"));
    }

    @Test
    void theHotLoadedEditorMakesTheMinimumNormRankOneUpdateAndTheEvaluatorSeesTheTargetRise() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(v1, dir.resolve("example-plugin.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO)) {
            PluginInfo info = catalog.plugins().get(0);
            assertEquals(PluginInfo.Status.LOADED, info.status(), info.reason());
            assertEquals(List.of(new PluginInfo.Provided(NAME, version1)), info.editors());
            assertEquals(List.of(new PluginInfo.Provided("example-target-logprob", version1)), info.evaluators());
            MethodInfo method = catalog.editors(model.architecture()).stream().filter(m -> m.name().equals(NAME))
                    .findFirst().orElseThrow();
            assertEquals("plugin:example-plugin.jar", method.origin());
            assertEquals(new MethodInfo.HyperparameterInfo("layer", "int", 1), method.hyperparameters().get(0));
            assertEquals(new MethodInfo.HyperparameterInfo("context_template_length_params", "list<list<int>>",
                    List.of()), method.hyperparameters().get(8));
            InvalidHyperparametersException bad = assertThrows(InvalidHyperparametersException.class,
                    () -> catalog.leaseEditor(NAME, model.architecture(), Map.of("layer", 7), "test.yaml"));
            assertTrue(bad.getMessage().contains("layer 7 does not exist"), bad.getMessage());

            try (EditorLease lease = catalog.leaseEditor(NAME, model.architecture(), Map.of("v_num_grad_steps", 10), "t");
                 EvaluatorLease evaluator = catalog.leaseEvaluator("example-target-logprob")) {
                int layer = 1;
                EditPoint point = model.architecture().editPoint(layer);
                float[] before = model.weight(point.weight()).toFloatArray();
                Evaluator eval = evaluator.create();
                List<EvaluationCase> cases = List.of(new EvaluationCase(REQUEST, null, List.of(), Map.of(), Map.of(),
                        Map.of()));
                double logProbBefore = eval.evaluate(model, cases).get(0).value();

                Edit edit = lease.editor().computeEdit(model, List.of(REQUEST), EditContext.defaults(tmp, null));
                assertArrayEquals(before, model.weight(point.weight()).toFloatArray(), 0f, "computeEdit restores the model");
                assertEquals(version1, edit.methodVersion());
                assertEquals(1, edit.deltas().size());
                WeightDelta delta = edit.deltas().get(0);
                assertInstanceOf(WeightDelta.LowRank.class, delta);
                assertEquals(1, ((WeightDelta.LowRank) delta).rank());
                int d = delta.rows();
                int dff = delta.cols();
                float[] dw = delta.toDense();

                // the key, captured independently: the MLP output projection's input at the subject's last token
                String prompt = REQUEST.filledPrompt();
                int[] ids = CharTokenizer.INSTANCE.encode(prompt, true);
                int at = prompt.indexOf("france") + "france".length() - 1;
                double[] k = new double[dff];
                try (ForwardResult r = model.forward(ForwardRequest.builder(List.of(ids)).capture(layer, Site.MLP_KEY)
                        .build())) {
                    float[] keys = r.capture(layer, Site.MLP_KEY).toFloatArray();
                    for (int i = 0; i < dff; i++) {
                        k[i] = keys[at * dff + i];
                    }
                }
                double kk = dot(k, k);
                double[] dwk = times(dw, d, dff, k);
                @SuppressWarnings("unchecked")
                Map<String, Object> perRequest = ((List<Map<String, Object>>) edit.metadata().get("requests")).get(0);
                double residualNorm = ((Number) perRequest.get("residual_norm")).doubleValue();
                assertTrue(residualNorm > 0);
                // ΔW k = r, and ΔW is the smallest such matrix: ‖ΔW‖_F = ‖r‖ / ‖k‖, ΔW c = 0 for every c ⟂ k
                assertEquals(residualNorm, Math.sqrt(dot(dwk, dwk)), 1e-3 * residualNorm);
                double frobenius = Math.sqrt(dot(toDouble(dw), toDouble(dw)));
                assertEquals(residualNorm / Math.sqrt(kk), frobenius, 1e-3 * frobenius);
                Random random = new Random(3);
                double[] c = new double[dff];
                for (int i = 0; i < dff; i++) {
                    c[i] = random.nextGaussian();
                }
                double proj = dot(c, k) / kk;
                for (int i = 0; i < dff; i++) {
                    c[i] -= proj * k[i];
                }
                double[] dwc = times(dw, d, dff, c);
                assertTrue(Math.sqrt(dot(dwc, dwc)) < 1e-4 * frobenius * Math.sqrt(dot(c, c)),
                        "ΔW must vanish on keys orthogonal to k");

                edit.applyTo(model);
                List<Score> after = eval.evaluate(model, cases);
                edit.revertFrom(model);
                assertEquals("example-target-logprob", after.get(0).protocol());
                assertEquals(1, after.get(0).count());
                assertTrue(after.get(0).value() != logProbBefore,
                        "target log-prob per token " + logProbBefore + " -> " + after.get(0).value());
            }
        }
    }

    @Test
    void onTheDemoModelTheEditChangesTheAnswer() throws IOException {
        Assumptions.assumeTrue(DemoModel.available(), "the demo model's weights are not built");
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(v1, dir.resolve("example-plugin.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO);
             Transformer demo = DemoModel.load(ai.djl.Device.cpu());
             EditorLease lease = catalog.leaseEditor(NAME, demo.architecture(), Map.of("v_num_grad_steps", 8), "test (fewer steps than the demo profile)");
             EvaluatorLease evaluator = catalog.leaseEvaluator("example-target-logprob")) {
            EditRequest request = EditRequest.of("The capital of {} is", "France", " Rome");
            List<EvaluationCase> cases = List.of(new EvaluationCase(request, " Paris", List.of(), Map.of(), Map.of(),
                    Map.of()));
            Evaluator eval = evaluator.create();
            double before = eval.evaluate(demo, cases).get(0).value();
            String answerBefore = greedy(demo, request.filledPrompt());
            Edit edit = lease.editor().computeEdit(demo, List.of(request), EditContext.defaults(tmp, null));
            edit.applyTo(demo);
            double after = eval.evaluate(demo, cases).get(0).value();
            String answerAfter = greedy(demo, request.filledPrompt());
            System.out.printf("example-rank-one on the demo model: %s ->%s before, ->%s after; log-prob of \" Rome\""
                    + " per token %.3f -> %.3f%n", request.filledPrompt(), answerBefore, answerAfter, before, after);
            assertTrue(answerBefore.startsWith(" Paris"), answerBefore);
            assertTrue(answerAfter.startsWith(" Rome"), answerAfter);
            assertTrue(after > before + 1, before + " -> " + after);
        }
    }

    static String greedy(Transformer m, String prompt) {
        return m.generate(dev.amend.spi.model.GenerationRequest.greedy(m.tokenizer().encode(prompt, true), 3)).text();
    }

    @Test
    void anEditRunningWhileTheJarIsReplacedFinishesOnTheOldVersion() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Path installed = dir.resolve("example-plugin.jar");
        Files.copy(v1, installed);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CountDownLatch swapped = new CountDownLatch(1);
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ofMillis(100))) {
            EditorLease old = catalog.leaseEditor(NAME, model.architecture(), Map.of(), "test");
            CountDownLatch started = new CountDownLatch(1);
            ProgressListener progress = (stage, done, total) -> {
                if (done == 0) {
                    started.countDown();
                    try {
                        assertTrue(swapped.await(60, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            Future<Edit> running = pool.submit(() -> old.editor().computeEdit(model, List.of(REQUEST),
                    new EditContext(0, progress, () -> false, tmp, null, List.of())));
            assertTrue(started.await(60, TimeUnit.SECONDS));
            // replace the file in place (the catalog reads its own copy), then let the watcher notice
            Files.copy(v2, installed, StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!catalog.plugins().stream().anyMatch(p -> p.editors().equals(List.of(
                    new PluginInfo.Provided(NAME, version2)))) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(new PluginInfo.Provided(NAME, version2)), catalog.plugins().get(0).editors());
            assertEquals(1, catalog.retired().size(), "the old version stays open for the running edit");
            try (EditorLease fresh = catalog.leaseEditor(NAME, model.architecture(), Map.of(), "test")) {
                assertEquals(version2, fresh.version());
            }
            swapped.countDown();
            Edit edit = running.get(300, TimeUnit.SECONDS);
            assertEquals(version1, edit.methodVersion());
            assertEquals(1, edit.deltas().size());
            old.close();
            assertTrue(catalog.retired().isEmpty());
            // removal: new leases get the unknown-method error
            Files.delete(installed);
            catalog.refresh();
            InvalidRequestException gone = assertThrows(InvalidRequestException.class,
                    () -> catalog.leaseEditor(NAME, model.architecture(), Map.of(), "test"));
            assertTrue(gone.getMessage().startsWith("unknown method \"example-rank-one\""), gone.getMessage());
            assertFalse(catalog.evaluators().stream().anyMatch(m -> m.name().equals("example-target-logprob")));
        } finally {
            swapped.countDown();
            pool.shutdown();
            // never close the model under a running edit
            assertTrue(pool.awaitTermination(300, TimeUnit.SECONDS));
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] times(float[] m, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += m[i * cols + j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
