package dev.amend.examples.rankone;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers the example editor {@code example-rank-one} (listed in META-INF/services/dev.amend.spi.EditorProvider). */
public final class RankOneProvider implements EditorProvider<RankOneHyperparameters> {

    /** Returns {@code example-rank-one}. */
    @Override
    public String name() {
        return "example-rank-one";
    }

    /** Returns the plugin's version from its jar's manifest (Implementation-Version), or {@code dev} outside a jar. */
    @Override
    public String version() {
        return version(RankOneProvider.class);
    }

    /** Returns a one-line description. */
    @Override
    public String description() {
        return "example plugin: minimum-norm rank-one edit of one MLP output projection, ΔW = r kᵀ/(kᵀk), "
                + "no layer statistics needed";
    }

    /** Returns {@link RankOneHyperparameters}. */
    @Override
    public Class<RankOneHyperparameters> hyperparameterType() {
        return RankOneHyperparameters.class;
    }

    /** Returns the defaults for {@code architecture} from {@code defaults.json} next to this class. */
    @Override
    public RankOneHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(RankOneHyperparameters.class, RankOneHyperparameters.BASE,
                RankOneProvider.class, "defaults.json", architecture);
    }

    /** Returns the editor configured with {@code hyperparameters}. */
    @Override
    public Editor create(RankOneHyperparameters hyperparameters) {
        return new RankOneEditor(hyperparameters, version());
    }

    /** Returns the Implementation-Version of {@code type}'s jar, or {@code dev} when it has none. */
    static String version(Class<?> type) {
        String v = type.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
