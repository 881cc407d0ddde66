package dev.amend.editors.anyedit;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.model.ModelArchitecture;

/**
 * Registers AnyEdit ({@code anyedit}) with ServiceLoader. It is a decorator: the registry resolves
 * {@code anyedit+memit}, {@code anyedit+alphaedit}, {@code anyedit+rome} or {@code anyedit+X} for any
 * installed X and hands the configured base editor to {@link #decorate}.
 */
public final class AnyEditProvider implements EditorDecorator<AnyEditHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "anyedit";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "AnyEdit: long targets in chunks, autoregressive keys and values over a base method (anyedit+memit, "
                + "anyedit+alphaedit, anyedit+rome, anyedit+X)";
    }

    @Override
    public Class<AnyEditHyperparameters> hyperparameterType() {
        return AnyEditHyperparameters.class;
    }

    @Override
    public AnyEditHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(AnyEditHyperparameters.class, AnyEditHyperparameters.BASE,
                AnyEditProvider.class, "defaults.json", architecture);
    }

    @Override
    public Editor decorate(Editor base, String baseName, AnyEditHyperparameters hyperparameters) {
        return new AnyEditEditor(base, baseName, hyperparameters);
    }
}
