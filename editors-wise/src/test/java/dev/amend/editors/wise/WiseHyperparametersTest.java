package dev.amend.editors.wise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ModelArchitecture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WISE's hyperparameters: EasyEdit's names and file layout, the layer from inner_params, and clear refusals. */
class WiseHyperparametersTest {
    static final ModelArchitecture DEMO;

    static {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            DEMO = model.architecture();
        }
    }

    private static WiseHyperparameters bind(Map<String, ?> values) {
        return HyperparameterBinder.bind(WiseHyperparameters.class, new WiseProvider().defaults(DEMO), values, DEMO,
                "test").value();
    }

    @Test
    void anEasyEditFileBindsWithItsMarginListAndNamesTheLayer() {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("alg_name", "WISE");
        file.put("model_name", "./hugging_cache/gpt2");
        file.put("device", 1);
        file.put("mask_ratio", 0.2);
        file.put("edit_lr", 1.0);
        file.put("n_iter", 40);
        file.put("norm_constraint", 1.0);
        file.put("act_margin", List.of(5.0, 20.0, 10.0));
        file.put("act_ratio", 0.8);
        file.put("save_freq", 500);
        file.put("merge_freq", 1000);
        file.put("merge_alg", "ties");
        file.put("objective_optimization", "only_label");
        file.put("inner_params", List.of("transformer.h[3].mlp.c_fc.weight"));
        file.put("densities", 0.53);
        file.put("weights", 1.0);
        file.put("retrieve", true);
        file.put("replay", false);
        WiseHyperparameters h = bind(file);
        assertEquals(3, h.layer(DEMO));
        assertEquals(40, h.nIter());
        assertArrayEquals(new double[] {5, 20, 10}, h.margins());
        assertTrue(h.retrieve());
        assertEquals(List.of(), h.problems(DEMO));
        assertEquals(2, new WiseProvider().defaults(DEMO).layer(DEMO), "the demo profile's measured layer");
        assertEquals(27, WiseHyperparameters.BASE.layer(new ModelArchitecture("llama", 32, DEMO.hiddenSize(),
                DEMO.intermediateSize(), DEMO.vocabSize(), DEMO.maxContext(), DEMO.parameters(), DEMO.dtype(),
                DEMO.editPoints())),
                "any model: 27/32 of the depth");
    }

    @Test
    void aLayerTheModelLacksAndBadValuesAreRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> EditorRegistry.classPath()
                .configure("wise", DEMO, Map.of("inner_params", List.of("transformer.h[35].mlp.c_fc.weight")),
                        "wise.yaml"));
        assertTrue(e.getMessage().contains("layer 35") && e.getMessage().contains("layers 0..5"), e.getMessage());
        Map<String, String> bad = Map.of("mask_ratio", "mask_ratio must be in (0, 1]",
                "merge_freq", "multiple of save_freq", "merge_alg", "dare_ties", "act_margin", "three margins",
                "replay", "replay", "objective_optimization", "only_label", "densities", "densities",
                "inner_params", "MLP");
        Map<String, Object> values = Map.of("mask_ratio", 0.0, "merge_freq", 750, "merge_alg", "dare_ties",
                "act_margin", List.of(1.0, 2.0), "replay", true, "objective_optimization", "target_new",
                "densities", 0.0, "inner_params", List.of("lm_head.weight"));
        for (Map.Entry<String, String> b : bad.entrySet()) {
            InvalidRequestException x = assertThrows(InvalidRequestException.class,
                    () -> bind(Map.of(b.getKey(), values.get(b.getKey()))), b.getKey());
            assertTrue(x.getMessage().contains(b.getValue()), x.getMessage());
        }
    }
}
