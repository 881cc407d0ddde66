package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.hparams.Bound;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** EasyEdit's MEND YAML fields bind; unsupported variants are refused with the reason. */
class MendHyperparametersTest {

    @Test
    void easyEditMendFileBinds() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 1)) {
            Map<String, Object> yaml = new LinkedHashMap<>();
            yaml.put("alg_name", "MEND");
            yaml.put("archive", "/models/mend/gpt2");
            yaml.put("device", 0);
            yaml.put("model_name", "./hugging_cache/gpt2-xl");
            yaml.put("inner_params", List.of("transformer.h.1.mlp.c_proj.weight", "transformer.h.2.mlp.c_proj.weight"));
            yaml.put("alg", "MEND");
            yaml.put("lr", 1e-6);
            yaml.put("edit_lr", 1e-4);
            yaml.put("lr_lr", 1e-4);
            yaml.put("seed", 42);
            yaml.put("cedit", 0.1);
            yaml.put("cloc", 1.0);
            yaml.put("cbase", 1.0);
            yaml.put("dropout", 0.0);
            yaml.put("train_base", false);
            yaml.put("no_grad_layers", null);
            yaml.put("one_sided", false);
            yaml.put("n_hidden", 1);
            yaml.put("hidden_dim", null);
            yaml.put("init", "id");
            yaml.put("norm", true);
            yaml.put("combine", true);
            yaml.put("x_only", false);
            yaml.put("delta_only", false);
            yaml.put("act", "relu");
            yaml.put("rank", 1920);
            yaml.put("mlp_class", "IDMLP");
            yaml.put("shared", true);
            yaml.put("batch_size", 1);
            yaml.put("max_iters", 100000);
            yaml.put("val_interval", 1000);
            yaml.put("early_stop_patience", 30000);
            yaml.put("early_stop_key", "loss/total_edit_val");
            yaml.put("val_steps", 500);
            yaml.put("opt", "Adam");
            yaml.put("grad_clip", 100.0);
            Bound<MendHyperparameters> b = HyperparameterBinder.bind(MendHyperparameters.class, MendHyperparameters.BASE,
                    yaml, model.architecture(), "gpt2-xl.yaml");
            MendHyperparameters h = b.value();
            assertEquals("/models/mend/gpt2", h.editorLocation());
            assertEquals(1920, h.rank());
            assertEquals(0.1, h.cedit());
            assertEquals(List.of(1, 2), h.editPoints(model.architecture()).stream().map(p -> p.layer()).toList());
            assertTrue(b.ignored().contains("alg_name") && b.ignored().contains("early_stop_key"), b.ignored().toString());
        }
    }

    @Test
    void defaultsEditTheLastThreeLayersAndUnsupportedVariantsAreRefused() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 1)) {
            MendHyperparameters d = new MendProvider().defaults(model.architecture());
            assertEquals(List.of(0, 1, 2), d.editPoints(model.architecture()).stream().map(p -> p.layer()).toList());
            InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                    () -> HyperparameterBinder.bind(MendHyperparameters.class, d,
                            Map.of("init", "xavier", "inner_params", List.of("transformer.h.1.mlp.c_fc.weight")),
                            model.architecture(), "bad.yaml"));
            assertTrue(e.getMessage().contains("init") && e.getMessage().contains("c_fc"), e.getMessage());
        }
    }
}
