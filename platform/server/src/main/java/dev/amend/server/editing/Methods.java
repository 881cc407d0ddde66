package dev.amend.server.editing;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.ModelArchitecture;
import dev.amend.spi.hparams.HyperparameterBinder;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one place the host looks up editing methods and evaluators. Today they come from the class path
 * ({@link EditorRegistry#classPath()}); the plugin catalog (jars in a plugins directory, hot-swapped)
 * replaces the registry here and nowhere else.
 */
@ApplicationScoped
public class Methods {
    private final EditorRegistry registry = EditorRegistry.classPath();

    /** Returns the installed editors by name. */
    public Map<String, EditorProvider<?>> editors() {
        return registry.editors();
    }

    /** Returns the installed evaluators by name. */
    public Map<String, EvaluatorProvider> evaluators() {
        return registry.evaluators();
    }

    /**
     * Returns method {@code name} configured for {@code arch} with {@code overrides} over its defaults, or throws
     * {@link dev.amend.spi.InvalidRequestException} naming the installed methods or the bad hyperparameters.
     */
    public EditorRegistry.Configured configure(String name, ModelArchitecture arch, Map<String, ?> overrides) {
        return registry.configure(name, arch, overrides, "hparams");
    }

    /** Returns evaluator {@code name}, or throws {@link dev.amend.spi.InvalidRequestException} listing the installed ones. */
    public EvaluatorProvider evaluator(String name) {
        return registry.evaluator(name);
    }

    /**
     * One hyperparameter of a method.
     *
     * @param name         snake_case key (as in EasyEdit files)
     * @param type         Java type, e.g. {@code int}, {@code List<Integer>}
     * @param defaultValue the default for the architecture asked about
     */
    public record HyperparameterInfo(String name, String type, Object defaultValue) {
    }

    /** Returns the hyperparameters of {@code provider} with their defaults for {@code arch}. */
    public List<HyperparameterInfo> schema(EditorProvider<?> provider, ModelArchitecture arch) {
        Hyperparameters defaults = provider.defaults(arch);
        Map<String, Object> values = defaults instanceof Record r ? HyperparameterBinder.toMap(r) : Map.of();
        List<HyperparameterInfo> out = new ArrayList<>();
        Class<?> type = provider.hyperparameterType();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                String key = HyperparameterBinder.snake(c.getName());
                out.add(new HyperparameterInfo(key, c.getGenericType().getTypeName()
                        .replace("java.lang.", "").replace("java.util.", ""), values.get(key)));
            }
        }
        return out;
    }
}
