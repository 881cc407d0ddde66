package dev.amend.editors.grace;

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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GRACE's hyperparameters: EasyEdit's names, the layer from inner_params, and clear refusals. */
class GraceHyperparametersTest {
    static final ModelArchitecture DEMO;

    static {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            DEMO = model.architecture();
        }
    }

    private static GraceHyperparameters bind(Map<String, ?> values) {
        return HyperparameterBinder.bind(GraceHyperparameters.class, new GraceProvider().defaults(DEMO), values, DEMO,
                "test").value();
    }

    @Test
    void anEasyEditFileBindsAndNamesTheLayer() {
        Map<String, Object> file = new java.util.LinkedHashMap<>();
        file.put("alg_name", "GRACE");
        file.put("inner_params", List.of("transformer.h[3].mlp.c_fc.weight"));
        file.put("edit_lr", 1.0);
        file.put("n_iter", 50);
        file.put("eps", 2.0);
        file.put("dist_fn", "euc");
        file.put("val_init", "cold");
        file.put("val_train", "sgd");
        file.put("val_reg", "None");
        file.put("reg", "early_stop");
        file.put("replacement", "replace_last");
        file.put("eps_expand", "coverage");
        file.put("num_pert", 8);
        file.put("dropout", 0.0);
        GraceHyperparameters h = bind(file);
        assertEquals(3, h.layer(DEMO));
        assertEquals(50, h.nIter());
        assertEquals(0.0, h.earlyStopLoss(), "a published file stops only after n_iter steps");
        assertEquals(0, new GraceProvider().defaults(DEMO).layer(DEMO));
    }

    @Test
    void aLayerTheModelLacksIsRefusedThroughTheRegistry() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> EditorRegistry.classPath()
                .configure("grace", DEMO, Map.of("inner_params", List.of("transformer.h[35].mlp.c_fc.weight")),
                        "grace.yaml"));
        assertTrue(e.getMessage().contains("layer 35") && e.getMessage().contains("layers 0..5"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("replacement", "replace_prompt")));
        assertTrue(e.getMessage().contains("replace_last"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("inner_params", List.of("lm_head.weight"))));
        assertTrue(e.getMessage().contains("MLP"), e.getMessage());
    }
}
