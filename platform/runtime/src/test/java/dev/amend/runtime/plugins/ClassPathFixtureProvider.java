package dev.amend.runtime.plugins;

import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.Map;

/**
 * An editor the catalog's tests put "on the class path" (a loader with a service file naming it), to check a
 * plugin that clashes with a class-path method.
 */
public final class ClassPathFixtureProvider implements EditorProvider<ClassPathFixtureProvider.Params> {

    /**
     * The fixture's hyperparameters.
     *
     * @param steps  a count
     * @param layers a list
     */
    public record Params(int steps, List<Integer> layers) implements Hyperparameters {
    }

    @Override
    public String name() {
        return "fixture-classpath";
    }

    @Override
    public String version() {
        return "0.0.1";
    }

    @Override
    public String description() {
        return "class-path fixture of the plugin catalog's tests";
    }

    @Override
    public Class<Params> hyperparameterType() {
        return Params.class;
    }

    @Override
    public Params defaults(ModelArchitecture architecture) {
        return new Params(3, List.of(architecture.layers() / 2));
    }

    @Override
    public Editor create(Params p) {
        return (model, requests, ctx) -> new Edit(name(), version(), requests, Map.of(), List.of(), List.of(),
                Map.of());
    }
}
