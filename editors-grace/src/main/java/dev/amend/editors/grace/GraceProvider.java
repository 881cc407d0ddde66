package dev.amend.editors.grace;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers GRACE ({@code grace}) with ServiceLoader. */
public final class GraceProvider implements EditorProvider<GraceHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "grace";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "GRACE: each edit is a key-value codebook entry at one layer with a deferral radius (an adapter; no"
                + " weight changes, no layer statistics)";
    }

    @Override
    public Class<GraceHyperparameters> hyperparameterType() {
        return GraceHyperparameters.class;
    }

    @Override
    public GraceHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(GraceHyperparameters.class, GraceHyperparameters.BASE, GraceProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(GraceHyperparameters hyperparameters) {
        return new GraceEditor(hyperparameters);
    }
}
