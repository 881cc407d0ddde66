package dev.amend.editors.ultraedit;

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

/** UltraEdit's hyperparameters: EasyEdit's names, the blocks from inner_params, and clear refusals. */
class UltraEditHyperparametersTest {
    static final ModelArchitecture DEMO;

    static {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            DEMO = model.architecture();
        }
    }

    private static UltraEditHyperparameters bind(Map<String, ?> values) {
        return HyperparameterBinder.bind(UltraEditHyperparameters.class, new UltraEditProvider().defaults(DEMO),
                values, DEMO, "test").value();
    }

    @Test
    void anEasyEditFileBindsAndNamesTheBlocks() {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("alg_name", "ULTRAEDIT");
        file.put("inner_params", List.of("transformer.h.4.mlp.c_proj", "transformer.h[5].mlp.c_proj.weight"));
        file.put("dropout", 0.0);
        file.put("no_grad_layers", null);
        file.put("lr", 1e-6);
        file.put("token", "mask");
        file.put("batch_size", 10);
        file.put("batch_size_once", 10);
        file.put("editor_batch_size", 1024);
        file.put("half", true);
        UltraEditHyperparameters h = bind(file);
        assertEquals(List.of(4, 5), h.layers(DEMO));
        assertEquals(1e-6, h.lr());
        assertEquals("mask", h.token());
        assertEquals(List.of(2, 3, 4), new UltraEditProvider().defaults(DEMO).layers(DEMO), "the demo profile");
        assertEquals(List.of(3, 4), bind(Map.of("inner_params", List.of())).layers(DEMO),
                "none named: the third and second blocks from the top");
    }

    @Test
    void aLayerTheModelLacksAndBadValuesAreRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> EditorRegistry.classPath()
                .configure("ultraedit", DEMO, Map.of("inner_params", List.of("transformer.h.9.mlp.c_proj")),
                        "ultraedit.yaml"));
        assertTrue(e.getMessage().contains("layer 9") && e.getMessage().contains("layers 0..5"), e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> bind(Map.of("inner_params", List.of("transformer.h.2.mlp.c_fc"))));
        assertTrue(e.getMessage().contains("MLP output projection") && e.getMessage().contains("transformer.h.2.mlp.c_proj"),
                e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("inner_params",
                List.of("transformer.h.2.mlp.c_proj", "transformer.h.2.mlp.c_proj.weight"))));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("lr", -1e-3)));
        assertTrue(e.getMessage().contains("lr must be"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("token", "all")));
        assertTrue(e.getMessage().contains("\"ans\"") && e.getMessage().contains("\"mask\""), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> bind(Map.of("batch_size", 0)));
        assertTrue(e.getMessage().contains("batch_size"), e.getMessage());
    }
}
