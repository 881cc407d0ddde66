package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.WeightLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EasyEdit's YAML hyperparameter files for ROME, MEMIT and AlphaEdit load as they are. */
class EasyEditHyperparametersTest {
    @TempDir
    Path dir;

    static ModelArchitecture gpt2xl() {
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < 48; l++) {
            points.add(new EditPoint(l, "transformer.h." + l + ".mlp.c_proj", "transformer.h." + l + ".mlp.c_proj.weight",
                    WeightLayout.IN_OUT, 6400, 1600));
        }
        return new ModelArchitecture("gpt2", 48, 1600, 6400, 50257, 1024, 1_557_611_200L, "float32", points);
    }

    private Map<String, Object> yaml(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return HyperparameterFiles.read(f);
    }

    @Test
    void romeGpt2XlFileBindsWithItsUnusedKeysListed() throws Exception {
        Map<String, Object> file = yaml("rome-gpt2-xl.yaml", """
                alg_name: "ROME"
                model_name: "./hugging_cache/gpt2-xl"
                stats_dir: "./data/stats"
                device: 0
                layers: [17]
                fact_token: "subject_last"
                v_num_grad_steps: 20
                v_lr: 5e-1
                v_loss_layer: 47
                v_weight_decay: 0.5
                clamp_norm_factor: 4
                kl_factor: 0.0625
                mom2_adjustment: false
                context_template_length_params: [[5, 10], [10, 10]]
                rewrite_module_tmp: "transformer.h.{}.mlp.c_proj"
                layer_module_tmp: "transformer.h.{}"
                mlp_module_tmp: "transformer.h.{}.mlp"
                attn_module_tmp: "transformer.h.{}.attn"
                ln_f_module: "transformer.ln_f"
                lm_head_module: "transformer.wte"
                mom2_dataset: "wikipedia"
                mom2_n_samples: 100000
                mom2_dtype: "float32"
                model_parallel: false
                fp16: false
                """);
        EditorRegistry.Configured c = EditorRegistry.classPath().configure("rome", gpt2xl(), file, "rome-gpt2-xl.yaml");
        Map<String, Object> h = HyperparameterBinder.toMap((Record) c.hyperparameters());
        assertEquals(List.of(17), h.get("layers"));
        assertEquals(0.5, h.get("v_lr"));
        assertEquals(false, h.get("mom2_adjustment"));
        assertEquals(List.of(List.of(5, 10), List.of(10, 10)), h.get("context_template_length_params"));
        assertTrue(c.ignored().containsAll(List.of("alg_name", "model_name", "device", "mom2_dataset", "v_loss_layer")),
                c.ignored().toString());
    }

    @Test
    void memitAndAlphaEditFilesBind() throws Exception {
        String common = """
                alg_name: "MEMIT"
                model_name: "./hugging_cache/gpt2-xl"
                device: 0
                layers: [13, 14, 15, 16, 17]
                clamp_norm_factor: 0.75
                layer_selection: "all"
                fact_token: "subject_last"
                v_num_grad_steps: 20
                v_lr: 5e-1
                v_loss_layer: 47
                v_weight_decay: 0.5
                kl_factor: 0.0625
                mom2_adjustment: true
                mom2_update_weight: 20000
                rewrite_module_tmp: "transformer.h.{}.mlp.c_proj"
                layer_module_tmp: "transformer.h.{}"
                mom2_dataset: "wikipedia"
                mom2_n_samples: 100000
                mom2_dtype: "float32"
                """;
        EditorRegistry registry = EditorRegistry.classPath();
        EditorRegistry.Configured memit = registry.configure("memit", gpt2xl(), yaml("memit.yaml", common), "memit.yaml");
        assertEquals(20000.0, HyperparameterBinder.toMap((Record) memit.hyperparameters()).get("mom2_update_weight"));
        EditorRegistry.Configured alpha = registry.configure("alphaedit", gpt2xl(),
                yaml("alphaedit.yaml", common + "nullspace_threshold: 2e-2\nL2: 10\n"), "alphaedit.yaml");
        Map<String, Object> a = HyperparameterBinder.toMap((Record) alpha.hyperparameters());
        assertEquals(0.02, a.get("nullspace_threshold"));
        assertEquals(10.0, a.get("l2"));
    }

    @Test
    void aModuleTemplateOfAnotherArchitectureOrABadValueIsRefusedWithWhatToFix() throws Exception {
        EditorRegistry registry = EditorRegistry.classPath();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> registry.configure("rome",
                gpt2xl(), yaml("a.yaml", "rewrite_module_tmp: \"model.layers.{}.mlp.down_proj\"\n"), "a.yaml"));
        assertTrue(e.getMessage().contains("is not this model's MLP output projection \"transformer.h.{}.mlp.c_proj\""),
                e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> registry.configure("rome", gpt2xl(),
                yaml("b.yaml", "layers: [60]\nv_lr: fast\n"), "b.yaml"));
        assertTrue(e.getMessage().contains("b.yaml") && e.getMessage().contains("\"v_lr\" must be a number"),
                e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> yaml("c.yaml", "layers: [1\n"));
        assertTrue(e.getMessage().contains("is not valid YAML"), e.getMessage());
    }
}
