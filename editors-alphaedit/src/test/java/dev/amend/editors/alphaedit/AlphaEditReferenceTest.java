package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.reference.ReferenceEdits;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.hparams.HyperparameterBinder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AlphaEdit's published form against the original jianghoucheng/AlphaEdit code on the demo model
 * (shared/fixtures/reference), one template, P built from the layer statistics before the edit and no earlier
 * keys. The null space's rank must be the reference's in every layer (the statistics are the same per-text
 * sample, so no eigenvalue crosses the threshold); ΔW then agrees within 1e-4 relative Frobenius error: the
 * reference builds P by a float32 SVD and solves in float32, Amend in float64, which the README of the fixtures
 * puts at about 2e-5.
 */
class AlphaEditReferenceTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path cache;

    @Test
    void oneTemplateReproducesTheReference() throws Exception {
        ReferenceEdits ref = ReferenceEdits.load("ref_alphaedit_l123_precomputedC.json");
        try (Transformer model = DemoModel.load(Device.cpu())) {
            Map<String, Object> values = new LinkedHashMap<>(ReferenceEdits.hparams("alphaedit_l123.json"));
            values.put("context_templates", ref.templateGroups());
            AlphaEditProvider p = new AlphaEditProvider();
            AlphaEditHyperparameters h = HyperparameterBinder.bind(AlphaEditHyperparameters.class,
                    p.defaults(model.architecture()), values, model.architecture(), "alphaedit_l123.json").value();
            Edit edit = p.create(h).computeEdit(model, List.of(ref.request()),
                    EditContext.defaults(cache, ReferenceEdits.passages()));
            @SuppressWarnings("unchecked")
            Map<String, Integer> ranks = (Map<String, Integer>) edit.metadata().get("nullspace_rank_per_layer");
            for (int layer : List.of(1, 2, 3)) {
                assertEquals(ref.layer(layer).get("P_rank_printed").getAsInt(), ranks.get(String.valueOf(layer)),
                        "rank of P at layer " + layer);
            }
            Map<Integer, Double> errors = ref.relativeErrors(model, edit);
            System.out.println("ref_alphaedit_l123_precomputedC.json: relative Frobenius error of ΔW per layer " + errors);
            errors.forEach((layer, e) -> assertTrue(e < TOLERANCE, "layer " + layer + ": ΔW differs from the "
                    + "reference by " + e + " (relative Frobenius)"));
            edit.applyTo(model);
            assertEquals(ref.answersAfter(), ref.answers(model), "greedy answers after the edit");
        }
    }
}
