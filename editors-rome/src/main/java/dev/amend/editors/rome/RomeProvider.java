package dev.amend.editors.rome;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers ROME ({@code rome}) with ServiceLoader. */
public final class RomeProvider implements EditorProvider<RomeHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "rome";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "ROME: one fact in one layer, rank-one update (R-ROME key by default; original_rome for the original)";
    }

    @Override
    public Class<RomeHyperparameters> hyperparameterType() {
        return RomeHyperparameters.class;
    }

    @Override
    public RomeHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(RomeHyperparameters.class, RomeHyperparameters.BASE, RomeProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(RomeHyperparameters hyperparameters) {
        return new RomeEditor(hyperparameters);
    }
}
