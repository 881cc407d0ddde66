package dev.amend.editors.rome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonArray;
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
 * ROME's published form against the original kmeng01/rome code on the demo model (shared/fixtures/reference):
 * with the reference's hyperparameter file and templates, ΔW agrees within a relative Frobenius error of 1e-4
 * and the greedy answers after the edit are the reference's. R-ROME is checked against rebuilding-rome's
 * random-prefix keys, computed from the reference's own δ.
 */
class RomeReferenceTest {
    /** Float32 accumulation differences stay far below this. */
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path cache;

    @Test
    void oneTemplateReproducesTheReference() throws Exception {
        reproduces("ref_rome_l2.json");
    }

    @Test
    void elevenTemplatesReproduceTheReference() throws Exception {
        reproduces("ref_rome_l2_tpl11.json");
    }

    @Test
    void rRomeIsRebuildingRomesRandomPrefixKeys() throws Exception {
        ReferenceEdits ref = ReferenceEdits.load("ref_rome_l2_tpl11.json");
        try (Transformer model = DemoModel.load(Device.cpu())) {
            Edit edit = edit(model, ref, Map.of("original_rome", false));
            // rebuilding-rome: ΔW = (v₀ + δ − mean_t(W k_t + b)) ⊗ u / (k̄·u), u = k̄ (no mom2 adjustment)
            double[] k = doubles(ref.json().getAsJsonArray("k"));
            double[] target = doubles(ref.json().getAsJsonArray("v_star"));
            float[] w = model.weight("transformer.h.2.mlp.c_proj.weight").toFloatArray();   // [d_ff, d]
            float[] b = model.weight("transformer.h.2.mlp.c_proj.bias").toFloatArray();
            int d = b.length;
            double kk = 0;
            for (double x : k) {
                kk += x * x;
            }
            double[] want = new double[d * k.length];
            for (int o = 0; o < d; o++) {
                double out = b[o];
                for (int i = 0; i < k.length; i++) {
                    out += k[i] * w[i * d + o];
                }
                for (int i = 0; i < k.length; i++) {
                    want[o * k.length + i] = (target[o] - out) * k[i] / kk;
                }
            }
            float[] got = edit.deltas().get(0).toDense();
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < got.length; i++) {
                diff += (got[i] - want[i]) * (got[i] - want[i]);
                norm += want[i] * want[i];
            }
            double error = Math.sqrt(diff / norm);
            System.out.printf("R-ROME against rebuilding-rome's formula on the reference δ: relative error %.3g%n", error);
            assertTrue(error < TOLERANCE, "R-ROME differs from rebuilding-rome's update by " + error);
        }
    }

    private void reproduces(String file) throws Exception {
        ReferenceEdits ref = ReferenceEdits.load(file);
        try (Transformer model = DemoModel.load(Device.cpu())) {
            Edit edit = edit(model, ref, Map.of());
            Map<Integer, Double> errors = ref.relativeErrors(model, edit);
            System.out.println(file + ": relative Frobenius error of ΔW per layer " + errors);
            errors.forEach((layer, e) -> assertTrue(e < TOLERANCE, file + " layer " + layer + ": ΔW differs from the "
                    + "reference by " + e + " (relative Frobenius)"));
            edit.applyTo(model);
            assertEquals(ref.answersAfter(), ref.answers(model), file + ": greedy answers after the edit");
        }
    }

    /** Returns ROME's edit with the reference's hyperparameter file, templates and request, plus {@code extra}. */
    private Edit edit(Transformer model, ReferenceEdits ref, Map<String, Object> extra) throws Exception {
        Map<String, Object> values = new LinkedHashMap<>(ReferenceEdits.hparams("rome_l2.json"));
        values.put("context_templates", ref.templateGroups());
        values.putAll(extra);
        RomeProvider p = new RomeProvider();
        RomeHyperparameters h = HyperparameterBinder.bind(RomeHyperparameters.class, p.defaults(model.architecture()),
                values, model.architecture(), "rome_l2.json").value();
        assertEquals(!extra.containsKey("original_rome"), h.originalRome(), "a reference file gives original ROME");
        assertEquals(false, h.editAwareValues() || h.klAtLastToken(), "a reference file leaves Amend's switches off");
        return p.create(h).computeEdit(model, List.of(ref.request()), EditContext.defaults(cache, null));
    }

    private static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
