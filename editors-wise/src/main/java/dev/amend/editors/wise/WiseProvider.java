package dev.amend.editors.wise;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers WISE ({@code wise}) with ServiceLoader. */
public final class WiseProvider implements EditorProvider<WiseHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "wise";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "WISE: each edit trains a randomly masked shard of a side memory (a copy of one MLP output projection)"
                + " that tokens are routed to by their activation; shards merge by TIES (an adapter; no weight changes,"
                + " no layer statistics)";
    }

    @Override
    public Class<WiseHyperparameters> hyperparameterType() {
        return WiseHyperparameters.class;
    }

    @Override
    public WiseHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(WiseHyperparameters.class, WiseHyperparameters.BASE, WiseProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(WiseHyperparameters hyperparameters) {
        return new WiseEditor(hyperparameters);
    }
}
