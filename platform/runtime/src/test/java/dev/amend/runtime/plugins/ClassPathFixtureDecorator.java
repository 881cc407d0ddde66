package dev.amend.runtime.plugins;

import dev.amend.spi.Editor;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.ModelArchitecture;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decorator the catalog's tests put "on the class path", to check that {@code decorator+method} names reach a
 * method of a plugin jar: its edit is the base method's with the base's name added to the metadata.
 */
public final class ClassPathFixtureDecorator implements EditorDecorator<ClassPathFixtureDecorator.Params> {

    /**
     * The fixture's hyperparameters.
     *
     * @param rounds a count
     */
    public record Params(int rounds) implements Hyperparameters {
    }

    @Override
    public String name() {
        return "fixture-wrap";
    }

    @Override
    public String version() {
        return "0.0.2";
    }

    @Override
    public String description() {
        return "class-path decorator fixture of the plugin catalog's tests (fixture-wrap+METHOD)";
    }

    @Override
    public Class<Params> hyperparameterType() {
        return Params.class;
    }

    @Override
    public Params defaults(ModelArchitecture architecture) {
        return new Params(2);
    }

    @Override
    public Editor decorate(Editor base, String baseName, Params p) {
        return (model, requests, ctx) -> {
            Edit e = base.computeEdit(model, requests, ctx);
            Map<String, Object> metadata = new LinkedHashMap<>(e.metadata());
            metadata.put("wrapped", baseName);
            return new Edit(name(), version(), requests, e.hyperparameters(), e.contextTemplates(), e.deltas(),
                    metadata);
        };
    }
}
