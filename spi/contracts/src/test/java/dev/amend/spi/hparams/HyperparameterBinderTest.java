package dev.amend.spi.hparams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.Hyperparameters;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperparameterBinderTest {

    enum Mode { FAST, EXACT }

    @IgnoredKeys({"model_name", "device"})
    record Params(List<Integer> layers, int vNumGradSteps, double vLr, boolean originalKey, Mode mode, String factToken)
            implements Hyperparameters {
        @Override
        public List<String> problems(ModelArchitecture a) {
            List<String> p = new ArrayList<>();
            for (int l : layers) {
                if (l >= a.layers()) {
                    p.add("layer " + l + " does not exist (model has " + a.layers() + ")");
                }
            }
            if (vLr <= 0) {
                p.add("v_lr must be > 0");
            }
            return p;
        }
    }

    private static final Params DEFAULTS = new Params(List.of(2), 20, 0.5, false, Mode.FAST, "subject_last");
    private static final ModelArchitecture ARCH = new ModelArchitecture("gpt2", 4, 8, 32, 10, 16, 100, "float32",
            List.of(new dev.amend.spi.model.EditPoint(0, "m0", "m0.weight", dev.amend.spi.model.WeightLayout.IN_OUT, 32, 8),
                    new dev.amend.spi.model.EditPoint(1, "m1", "m1.weight", dev.amend.spi.model.WeightLayout.IN_OUT, 32, 8),
                    new dev.amend.spi.model.EditPoint(2, "m2", "m2.weight", dev.amend.spi.model.WeightLayout.IN_OUT, 32, 8),
                    new dev.amend.spi.model.EditPoint(3, "m3", "m3.weight", dev.amend.spi.model.WeightLayout.IN_OUT, 32, 8)));

    @Test
    void bindsEasyEditSnakeCaseKeysOverDefaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", List.of(1, 3));
        m.put("v_num_grad_steps", 25);
        m.put("v_lr", "0.1");
        m.put("mode", "exact");
        m.put("model_name", "gpt2-xl");
        Bound<Params> b = HyperparameterBinder.bind(Params.class, DEFAULTS, m, ARCH, "rome.yaml");
        assertEquals(new Params(List.of(1, 3), 25, 0.1, false, Mode.EXACT, "subject_last"), b.value());
        assertEquals(List.of("model_name"), b.ignored());
    }

    @Test
    void camelCaseKeysWorkToo() {
        Bound<Params> b = HyperparameterBinder.bind(Params.class, DEFAULTS, Map.of("vNumGradSteps", 5), ARCH, "x");
        assertEquals(5, b.value().vNumGradSteps());
    }

    @Test
    void everyProblemIsListedWithWhatToFix() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v_lr", "fast");
        m.put("v_num_grad_steps", 2.5);
        m.put("learning_rate", 1);
        m.put("mode", "slow");
        InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Params.class, DEFAULTS, m, ARCH, "rome.yaml"));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("rome.yaml"));
        assertTrue(e.getMessage().contains("\"v_lr\" must be a number, got \"fast\""), e.getMessage());
        assertTrue(e.getMessage().contains("\"v_num_grad_steps\" must be a whole number"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key \"learning_rate\" (known: layers, v_num_grad_steps"),
                e.getMessage());
        assertTrue(e.getMessage().contains("\"mode\" must be one of [fast, exact]"), e.getMessage());
    }

    @Test
    void architectureChecksRun() {
        InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Params.class, DEFAULTS, Map.of("layers", List.of(7)), ARCH, "r"));
        assertTrue(e.getMessage().contains("layer 7 does not exist (model has 4)"), e.getMessage());
    }

    @Test
    void toMapWritesSnakeCase() {
        Map<String, Object> m = HyperparameterBinder.toMap(DEFAULTS);
        assertEquals(List.of("layers", "v_num_grad_steps", "v_lr", "original_key", "mode", "fact_token"),
                List.copyOf(m.keySet()));
    }

    record Bounds(double margin, @NonFiniteAllowed double ceiling, float scale, List<Double> weights,
                  @LocalPath String editorPath) implements Hyperparameters {
        @Override
        public List<String> problems(ModelArchitecture a) {
            return List.of();
        }
    }

    private static final Bounds BOUNDS = new Bounds(1, 2, 3, List.of(1.0), "");

    @Test
    void nonFiniteNumbersAreRefusedUnlessTheFieldAllowsThem() {
        for (Object bad : List.of("NaN", "Infinity", "-Infinity", Double.NaN, Double.POSITIVE_INFINITY, "1e999")) {
            InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                    () -> HyperparameterBinder.bind(Bounds.class, BOUNDS, Map.of("margin", bad), ARCH, "h"), "" + bad);
            assertTrue(e.getMessage().contains("\"margin\" must be a finite number"), e.getMessage());
        }
        assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Bounds.class, BOUNDS, Map.of("scale", "NaN"), ARCH, "h"));
        assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Bounds.class, BOUNDS, Map.of("scale", 1e300), ARCH, "h"),
                "a double beyond float's range is not silently infinite");
        assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Bounds.class, BOUNDS, Map.of("weights", List.of(1.0, "NaN")), ARCH,
                        "h"));
        assertEquals(Double.POSITIVE_INFINITY, HyperparameterBinder.bind(Bounds.class, BOUNDS,
                Map.of("ceiling", "Infinity"), ARCH, "h").value().ceiling());
        assertTrue(Double.isNaN(HyperparameterBinder.bind(Bounds.class, BOUNDS, Map.of("ceiling", "NaN"), ARCH, "h")
                .value().ceiling()));
    }

    @Test
    void localPathValuesAreFoundWhateverTheKeySpelling() {
        assertEquals(Map.of("editor-path", "/etc"), HyperparameterBinder.localPaths(Bounds.class,
                Map.of("editor-path", "/etc", "margin", 2)));
        assertEquals(Map.of("editorPath", "x"), HyperparameterBinder.localPaths(Bounds.class,
                Map.of("editorPath", "x")));
        assertEquals(Map.of(), HyperparameterBinder.localPaths(Params.class, Map.of("fact_token", "/etc")));
    }

    @Test
    void nullIsRefusedWhereTheDefaultIsAValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", null);
        m.put("v_lr", null);
        InvalidHyperparametersException e = assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Params.class, DEFAULTS, m, ARCH, "h"));
        assertTrue(e.getMessage().contains("\"layers\" must not be null: leave the key out for its default"),
                e.getMessage());
        assertTrue(e.getMessage().contains("\"v_lr\" must not be null"), e.getMessage());
        List<Integer> withNull = new ArrayList<>();
        withNull.add(1);
        withNull.add(null);
        e = assertThrows(InvalidHyperparametersException.class,
                () -> HyperparameterBinder.bind(Params.class, DEFAULTS, Map.of("layers", withNull), ARCH, "h"));
        assertTrue(e.getMessage().contains("\"layers[1]\" must not be null"), e.getMessage());
        Map<String, Object> optional = new LinkedHashMap<>();
        optional.put("fact_token", null);
        Params noToken = new Params(List.of(2), 20, 0.5, false, Mode.FAST, null);
        assertEquals(noToken, HyperparameterBinder.bind(Params.class, noToken, optional, ARCH, "h").value(),
                "a key whose default is null may be given as null");
    }
}
