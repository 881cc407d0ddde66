package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.kit.GradientFactors;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.HyperparameterBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on a tiny model, storage round trip, and the errors for missing or malformed editors. */
class MendTrainerTest {
    @TempDir
    Path dir;

    private static List<TrainingExample> examples(int from, int n) {
        String[] objects = {" red", " blue", " green", " gold", " grey"};
        List<TrainingExample> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            String subject = "item" + i;
            out.add(new TrainingExample(EditRequest.of("the colour of {} is", subject, objects[i % objects.length]),
                    List.of("the paint of " + subject + " is"),
                    List.of(new TrainingExample.Locality("the colour of item" + (i + 50) + " is", objects[(i + 1) % 5]))));
        }
        return out;
    }

    private static MendHyperparameters small(Transformer model, Map<String, Object> extra) {
        Map<String, Object> v = new java.util.LinkedHashMap<>(Map.of("lr", 1e-3, "edit_lr", 1e-2, "lr_lr", 1e-3,
                "cedit", 1.0, "cloc", 1.0, "rank", 8, "max_iters", 24, "val_interval", 8, "val_steps", 4, "locality", 1));
        v.putAll(extra);
        return HyperparameterBinder.bind(MendHyperparameters.class, MendHyperparameters.BASE, v, model.architecture(),
                "test").value();
    }

    @Test
    void trainsSavesAndReloadsToTheSameEdits() throws Exception {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 21, CharTokenizer.INSTANCE)) {
            MendHyperparameters h = small(model, Map.of());
            MendTrainer.Run run = MendTrainer.train(model, h, examples(0, 20), examples(100, 4),
                    new MendTrainer.Options(0, line -> { }), ProgressListener.NONE);
            assertEquals(24, run.steps());
            assertEquals(24, run.losses().size());
            assertEquals(3, run.validations().size());
            assertTrue(run.losses().stream().allMatch(Double::isFinite), run.losses().toString());
            MendNetwork trained = run.network();
            assertTrue(trained.transforms().values().iterator().next().count() > 0, "statistics were collected");
            assertNotEquals(1e-2f, trained.editLrs()[0], "the edit learning rates were trained");

            trained.save(dir.resolve("editor"), model.manager());
            MendHyperparameters withPath = small(model, Map.of("editor_path", dir.resolve("editor").toString()));
            List<EditRequest> requests = List.of(EditRequest.of("the colour of {} is", "item7", " blue"),
                    EditRequest.of("the size of {} is", "box", " big"));
            Edit edit = new MendEditor(withPath).computeEdit(model, requests,
                    EditContext.defaults(dir, null));
            try (ai.djl.ndarray.NDManager nd = model.manager().newSubManager()) {
                // the same deltas from the in-memory editor
                MendNetwork.Bound bound = trained.bind(nd, false);
                var factors = GradientFactors.capture(model, GradientFactors.encode(model, requests), trained.points());
                for (WeightDelta d : edit.deltas()) {
                    var p = trained.points().stream().filter(q -> q.weight().equals(d.weight())).findFirst().orElseThrow();
                    var f = factors.get(p);
                    float[] want = bound.delta(p, nd.create(f.x(), new ai.djl.ndarray.types.Shape(f.tokens(), p.inFeatures())),
                            nd.create(f.delta(), new ai.djl.ndarray.types.Shape(f.tokens(), p.outFeatures()))).toFloatArray();
                    assertArrayEquals(want, d.toDense(), 1e-5f);
                }
            }
            assertEquals(3, edit.deltas().size());
        }
    }

    @Test
    void factorsWithANonFiniteValueLeaveTheRunningStatisticsAlone() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 24, CharTokenizer.INSTANCE)) {
            List<dev.amend.spi.model.EditPoint> points = List.of(model.architecture().editPoint(1), model.architecture().editPoint(2));
            MendNetwork net = MendNetwork.create(points, 4, 1, true, 1e-3, model.baseHash(), model.name(), 1);
            var factors = GradientFactors.capture(model, GradientFactors.encode(model,
                    List.of(EditRequest.of("the colour of {} is", "sky", " red"))), points);
            Map<dev.amend.spi.model.EditPoint, GradientFactors.Factors> spoiled = new java.util.LinkedHashMap<>(factors);
            GradientFactors.Factors last = factors.get(points.get(1));
            float[] delta = last.delta().clone();
            delta[delta.length - 1] = Float.NaN;
            spoiled.put(points.get(1), new GradientFactors.Factors(last.point(), last.tokens(), last.x(), delta));

            assertTrue(!MendTrainer.observe(net, spoiled), "refused");
            for (dev.amend.spi.model.EditPoint p : points) {
                assertEquals(0, net.transform(p).count(), "nothing of the spoiled step was added, at " + p.weight());
            }
            assertTrue(MendTrainer.observe(net, factors));
            assertEquals(factors.values().stream().mapToLong(GradientFactors.Factors::tokens).sum(),
                    net.transform(points.get(1)).count(), "both weights (one shape) share one transform");
            for (float s : net.transform(points.get(1)).deltaStd()) {
                assertTrue(Float.isFinite(s));
            }
        }
    }

    @Test
    void aModelWithoutATrainedEditorIsToldHowToTrainOne() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 22, CharTokenizer.INSTANCE)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> new MendEditor(small(model, Map.of())).computeEdit(model,
                            List.of(EditRequest.of("the colour of {} is", "sky", " red")), EditContext.defaults(dir, null)));
            assertTrue(e.getMessage().contains("no trained MEND editor") && e.getMessage().contains("./amend train-mend"),
                    e.getMessage());
        }
    }

    @Test
    void malformedEditorFilesAreRefusedClearly() throws Exception {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 23, CharTokenizer.INSTANCE)) {
            MendNetwork net = MendNetwork.create(List.of(model.architecture().editPoint(2)), 4, 1, true, 1e-3,
                    model.baseHash(), model.name(), 1);
            Path good = net.save(dir.resolve("good"), model.manager());
            List<EditRequest> req = List.of(EditRequest.of("the colour of {} is", "sky", " red"));

            Path garbage = Files.createDirectories(dir.resolve("garbage"));
            Files.copy(good.resolve(MendNetwork.CONFIG_FILE), garbage.resolve(MendNetwork.CONFIG_FILE));
            Files.write(garbage.resolve(MendNetwork.WEIGHTS_FILE), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
            String m1 = refused(model, garbage, req);
            assertTrue(m1.contains("malformed mend.safetensors") && m1.contains("train-mend"), m1);

            Path badJson = Files.createDirectories(dir.resolve("badjson"));
            Files.copy(good.resolve(MendNetwork.WEIGHTS_FILE), badJson.resolve(MendNetwork.WEIGHTS_FILE));
            Files.writeString(badJson.resolve(MendNetwork.CONFIG_FILE), "{\"format\": \"amend-mend/1\", \"inner_params\": 3");
            String m2 = refused(model, badJson, req);
            assertTrue(m2.contains("malformed mend.json"), m2);

            String m3 = refused(model, dir.resolve("nowhere"), req);
            assertTrue(m3.contains("no MEND editor at") && m3.contains("train-mend"), m3);

            try (Transformer other = TinyModels.random(TinyModels.gpt2(), 24, CharTokenizer.INSTANCE)) {
                String m4 = refused(other, good, req);
                assertTrue(m4.contains("was trained for a model with base hash"), m4);
            }
            // the good one works and leaves the model unchanged
            float[] before = model.weight(model.architecture().editPoint(2).weight()).toFloatArray();
            Edit e = new MendEditor(small(model, Map.of("editor_path", good.toString()))).computeEdit(model, req,
                    EditContext.defaults(dir, null));
            assertEquals(1, e.deltas().size());
            assertArrayEquals(before, model.weight(model.architecture().editPoint(2).weight()).toFloatArray());
        }
    }

    private String refused(Transformer model, Path editor, List<EditRequest> req) {
        return assertThrows(InvalidRequestException.class, () -> new MendEditor(small(model,
                Map.of("editor_path", editor.toString()))).computeEdit(model, req, EditContext.defaults(dir, null)))
                .getMessage();
    }
}
