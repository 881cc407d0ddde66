package dev.amend.editors.rome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ROME's hyperparameters on the demo model: its profile turns Amend's switches on, a reference or
 * EasyEdit file gets the published algorithm unless it sets them, and context templates are checked.
 */
class RomeHyperparametersTest {
    static final ModelArchitecture DEMO;

    static {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            DEMO = model.architecture();
        }
    }

    static RomeHyperparameters bind(Map<String, ?> values) {
        return HyperparameterBinder.bind(RomeHyperparameters.class, new RomeProvider().defaults(DEMO), values, DEMO,
                "test").value();
    }

    @Test
    void aReferenceFileGetsThePublishedAlgorithmUnlessItSetsAmendsSwitches() {
        RomeHyperparameters profile = bind(Map.of("layers", List.of(2)));
        assertTrue(profile.editAwareValues() && profile.klAtLastToken() && !profile.originalRome(),
                "the demo profile's switches stay for plain overrides");
        RomeHyperparameters file = bind(Map.of("layers", List.of(2), "layer_module_tmp", "transformer.h.{}"));
        assertFalse(file.editAwareValues() || file.klAtLastToken(), "a reference file: Amend's switches off");
        assertTrue(file.originalRome(), "a reference file: ROME's original key");
        RomeHyperparameters chosen = bind(Map.of("rewrite_module_tmp", "transformer.h.{}.mlp.c_proj",
                "edit_aware_values", true, "original_rome", false));
        assertTrue(chosen.editAwareValues() && !chosen.originalRome() && !chosen.klAtLastToken(),
                "a file that sets a switch keeps it");
    }

    @Test
    void contextTemplatesWithoutThePlaceholderAreRefused() {
        InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                () -> bind(Map.of("context_templates", List.of(List.of("{}", "The author of the book. ")))));
        assertTrue(e.getMessage().contains("\"The author of the book. \" must hold {} exactly once"), e.getMessage());
        assertEquals(List.of("{}", "A. {}"), bind(Map.of("context_templates", List.of("{}", "A. {}")))
                .contextTemplates().stream().flatMap(List::stream).toList(), "a flat list binds as groups of one");
    }

    @Test
    void normAnchorIsOffAsPublishedAndRefusedOutsideItsRange() {
        assertEquals(0, bind(Map.of()).normAnchor(), "off in the published form and the demo profile");
        assertEquals(2, bind(Map.of("norm_anchor", 2)).normAnchor());
        for (double bad : new double[] {0.5, 101}) {
            InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                    () -> bind(Map.of("norm_anchor", bad)));
            assertTrue(e.getMessage().contains("norm_anchor must be 0 (off) or a ratio between 1 and 100"),
                    e.getMessage());
        }
    }
}
