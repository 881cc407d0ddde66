package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import dev.amend.spi.model.ModelArchitecture;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AlphaEdit's norm_anchor switch: off in the demo profile, bound as given, refused outside 0 or [1, 100]. */
class AlphaEditNormAnchorTest {
    static AlphaEditHyperparameters bind(ModelArchitecture arch, Map<String, ?> values) {
        return HyperparameterBinder.bind(AlphaEditHyperparameters.class, new AlphaEditProvider().defaults(arch), values, arch,
                "test").value();
    }

    @Test
    void normAnchorIsOffAsPublishedAndRefusedOutsideItsRange() {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            ModelArchitecture arch = model.architecture();
            assertEquals(0, bind(arch, Map.of()).normAnchor());
            assertEquals(1.5, bind(arch, Map.of("norm_anchor", 1.5)).normAnchor());
            InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                    () -> bind(arch, Map.of("norm_anchor", 0.25)));
            assertTrue(e.getMessage().contains("norm_anchor must be 0 (off) or a ratio between 1 and 100"),
                    e.getMessage());
        }
    }
}
